/// <reference types="vite/client" />
import Dexie, { type EntityTable, type Transaction } from 'dexie';
import { parseMutation, type Mutation, type RefusalCode } from '../domain/index.ts';

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
	/** The schema version of the app that wrote it (set on every write from version 2 on; 1 for entries older than that). */
	v?: number;
}

/**
 * The newest schema version this build knows. A build-time setting (VITE_ROSTER_DB_VERSION) may hold it
 * back, so that the app-update test can build the previous version of the app from the same source.
 */
export const DB_VERSION = Math.min(Number(import.meta.env.VITE_ROSTER_DB_VERSION ?? 2) || 2, 2);

/** The sentence of an entry a newer version no longer understands (client code WRITTEN_BY_OLDER_VERSION). */
export const OLDER_VERSION_MESSAGE =
	'This change was written by an older version of Roster and this version cannot send it: it is kept here; export it to keep a copy, then discard it and make it anew if it is still needed.';

/**
 * Version 2: every outbox entry says which schema version wrote it. Entries written by version 1 get
 * `v: 1`; a pending one this version's parser no longer accepts is kept, refused, rather than sent or dropped.
 */
async function upgradeTo2(tx: Transaction) {
	await tx
		.table<OutboxEntry, string>('outbox')
		.toCollection()
		.modify((entry) => {
			entry.v ??= 1;
			if (entry.status === 'pending' && !parseMutation(entry.mutation).ok)
				Object.assign(entry, { status: 'refused', code: 'WRITTEN_BY_OLDER_VERSION', message: OLDER_VERSION_MESSAGE });
		});
}

/**
 * One IndexedDB database per signed-in user, deleted on sign-out, so one user never sees another's copy.
 *
 * The rule for schema changes: never edit a released version; add the next one with `.stores()` (only what
 * changes) and an `.upgrade()` that brings every existing row to the new shape. Queued changes are the user's
 * unsaved work: an upgrade step keeps every outbox entry — one it cannot carry forward is marked refused
 * with WRITTEN_BY_OLDER_VERSION (shown, exportable, discarded only by the user), never deleted.
 */
export class RosterDb extends Dexie {
	updates!: EntityTable<StoredUpdate, 'seq'>;
	outbox!: EntityTable<OutboxEntry, 'id'>;

	constructor(userId: string) {
		super(`roster-${userId}`);
		this.version(1).stores({ updates: '++seq, docId', outbox: 'id, seq, orgId' });
		if (DB_VERSION >= 2) {
			this.version(2).stores({}).upgrade(upgradeTo2);
			// Stamped here, where every write passes, so the outbox need not know the schema.
			this.outbox.hook('creating', (_key, entry) => void (entry.v ??= DB_VERSION));
		}
	}
}
