import Dexie, { type EntityTable } from 'dexie';
import type { Mutation, RefusalCode } from '../domain/index.ts';

export interface StoredUpdate {
	seq?: number;
	docId: string;
	data: Uint8Array;
}

/** A mutation the server has not yet accepted: pending (unsent or unanswered) or refused (kept until retried or discarded). */
export interface OutboxEntry {
	id: string;
	seq: number;
	orgId: string;
	mutation: Mutation;
	status: 'pending' | 'refused';
	code?: RefusalCode;
	message?: string;
	createdAt: number;
}

/** One IndexedDB database per signed-in user, deleted on sign-out, so one user never sees another's copy. */
export class RosterDb extends Dexie {
	updates!: EntityTable<StoredUpdate, 'seq'>;
	outbox!: EntityTable<OutboxEntry, 'id'>;

	constructor(userId: string) {
		super(`roster-${userId}`);
		this.version(1).stores({ updates: '++seq, docId', outbox: 'id, seq, orgId' });
	}
}
