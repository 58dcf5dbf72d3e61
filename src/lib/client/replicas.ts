import * as Y from 'yjs';
import { OrgDocState, type Directory, type UserProfile } from '../domain/index.ts';
import type { RosterDb } from './db.ts';

export interface Replica {
	docId: string;
	doc: Y.Doc;
	state: OrgDocState;
}

/**
 * The client knows only the members of an organization; a username it has not seen
 * gets a provisional profile so a pending add can be shown until the server answers.
 */
function memberDirectory(state: () => OrgDocState): Directory {
	const profile = (userId: string): UserProfile | undefined => {
		const m = state().member(userId);
		return m && { id: m.userId, username: m.username, email: m.email, emailVerified: m.emailVerified, displayName: m.displayName };
	};
	return {
		user: profile,
		userByUsername: (username) => {
			const m = state().memberByUsername(username);
			if (m) return profile(m.userId);
			return { id: `unknown-${username}`, username, email: '', emailVerified: false, displayName: '' };
		}
	};
}

/** Server-sent documents kept in IndexedDB exactly as received; the client never edits them. */
export class Replicas {
	private readonly byId = new Map<string, Replica>();
	constructor(private readonly db: RosterDb) {}

	get(docId: string) {
		return this.byId.get(docId);
	}
	all() {
		return [...this.byId.values()];
	}

	/** Loads every stored document, merging each one's update log into a single row. */
	async loadAll(): Promise<void> {
		const rows = await this.db.updates.toArray();
		const byDoc = new Map<string, Uint8Array[]>();
		for (const r of rows) byDoc.set(r.docId, [...(byDoc.get(r.docId) ?? []), r.data]);
		for (const [docId, updates] of byDoc) {
			const merged = Y.mergeUpdates(updates);
			this.open(docId, merged);
			if (updates.length > 1) {
				await this.db.transaction('rw', this.db.updates, async () => {
					await this.db.updates.where('docId').equals(docId).delete();
					await this.db.updates.add({ docId, data: merged });
				});
			}
		}
	}

	private open(docId: string, initial?: Uint8Array): Replica {
		const doc = new Y.Doc();
		if (initial) Y.applyUpdate(doc, initial);
		const replica: Replica = { docId, doc, state: undefined as unknown as OrgDocState };
		replica.state = new OrgDocState(doc, memberDirectory(() => replica.state));
		this.byId.set(docId, replica);
		return replica;
	}

	ensure(docId: string): Replica {
		return this.byId.get(docId) ?? this.open(docId);
	}

	async applyRemote(docId: string, update: Uint8Array) {
		Y.applyUpdate(this.ensure(docId).doc, update, 'server');
		await this.db.updates.add({ docId, data: update });
	}

	async drop(docId: string) {
		this.byId.get(docId)?.doc.destroy();
		this.byId.delete(docId);
		await this.db.updates.where('docId').equals(docId).delete();
	}
}
