import { createSubscriber } from 'svelte/reactivity';
import * as Y from 'yjs';
import { OrgDocState, type Directory, type UserProfile } from '../domain/index.ts';
import { orgDocId, parseDocId } from '../protocol/messages.ts';
import type { RosterDb } from './db.ts';
import { kept } from './local-copy.svelte.ts';

export interface Replica {
	orgId: string;
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
		},
		// Who holds an address is the server's to say: until it answers, an email add shows as an invitation.
		usersByEmail: () => []
	};
}

/**
 * Server-sent documents kept in IndexedDB exactly as received; the client never edits
 * them. An organization's replica holds its projects' documents too.
 */
export class Replicas {
	private readonly orgs = new Map<string, Replica>();
	private readonly docs = new Map<string, Y.Doc>();
	private readonly listeners = new Set<(docId: string) => void>();
	/** `stores`: whether this tab writes what it receives (the leader tab); the others only show it. */
	constructor(
		private readonly db: RosterDb,
		private readonly stores: () => boolean = () => true
	) {}

	/** Calls `fn` with the id of every document changed, made or dropped; returns how to stop. */
	listen(fn: (docId: string) => void): () => void {
		this.listeners.add(fn);
		return () => this.listeners.delete(fn);
	}

	/** Read in a reactive context, makes it run again on any change to any document (for lists over all organizations). */
	readonly watch = createSubscriber((update) => this.listen(update));

	private changed(docId: string) {
		for (const fn of this.listeners) fn(docId);
	}

	get(orgId: string) {
		return this.orgs.get(orgId);
	}
	all() {
		return [...this.orgs.values()];
	}
	docIds() {
		return [...this.docs.keys()];
	}

	/** Loads every stored document, merging each one's update log into a single row. */
	async loadAll(): Promise<void> {
		const rows = await this.db.updates.toArray();
		const byDoc = new Map<string, Uint8Array[]>();
		for (const r of rows) byDoc.set(r.docId, [...(byDoc.get(r.docId) ?? []), r.data]);
		for (const [docId, updates] of byDoc) {
			const doc = this.ensure(docId);
			if (!doc) continue;
			Y.applyUpdate(doc, Y.mergeUpdates(updates));
			// Compacting is an optimization: on a full disk the log stays as it is.
			if (updates.length > 1) await kept(this.compact(docId));
			this.changed(docId);
		}
	}

	/** Read again inside the transaction: the leader tab may have stored an update since. */
	private compact(docId: string) {
		return this.db.transaction('rw', this.db.updates, async () => {
			const rows = await this.db.updates.where('docId').equals(docId).toArray();
			if (rows.length < 2) return;
			await this.db.updates.where('docId').equals(docId).delete();
			await this.db.updates.add({ docId, data: Y.mergeUpdates(rows.map((r) => r.data)) });
		});
	}

	private org(orgId: string): Replica {
		let replica = this.orgs.get(orgId);
		if (replica) return replica;
		const doc = new Y.Doc();
		const r: Replica = { orgId, doc, state: undefined as unknown as OrgDocState };
		r.state = new OrgDocState(
			doc,
			memberDirectory(() => r.state)
		);
		this.orgs.set(orgId, (replica = r));
		this.docs.set(orgDocId(orgId), doc);
		return replica;
	}

	/** The Y.Doc for a document id, made (and, for a project, attached to its organization) on first use. */
	ensure(docId: string): Y.Doc | undefined {
		const existing = this.docs.get(docId);
		if (existing) return existing;
		const parsed = parseDocId(docId);
		if (!parsed) return undefined;
		const org = this.org(parsed.orgId);
		if (parsed.billing) {
			const billing = org.state.billingDoc();
			this.docs.set(docId, billing);
			return billing;
		}
		if (parsed.projectId === undefined) return org.doc;
		const doc = org.state.projectDoc(parsed.projectId);
		this.docs.set(docId, doc);
		return doc;
	}

	/** Applies and stores a server update; false when it held nothing new (an empty sync answer). */
	async applyRemote(docId: string, update: Uint8Array): Promise<boolean> {
		const doc = this.ensure(docId);
		// [0, 0]: no structs and an empty delete set, what step 2 says to an up-to-date replica.
		if (!doc || (update.length === 2 && update[0] === 0 && update[1] === 0)) return false;
		Y.applyUpdate(doc, update, 'server');
		if (this.stores()) await kept(this.db.updates.add({ docId, data: update }));
		this.changed(docId);
		return true;
	}

	/** Forgets a document; dropping an organization drops its projects as well. */
	async drop(docId: string) {
		const parsed = parseDocId(docId);
		if (!parsed) return;
		if (parsed.billing) {
			this.orgs.get(parsed.orgId)?.state.resetBilling();
			this.docs.delete(docId);
			if (this.stores()) await this.db.updates.where('docId').equals(docId).delete();
			this.changed(docId);
			return;
		}
		const gone = parsed.projectId === undefined ? this.docIds().filter((id) => parseDocId(id)?.orgId === parsed.orgId) : [docId];
		for (const id of gone) {
			const projectId = parseDocId(id)?.projectId;
			if (projectId !== undefined) this.orgs.get(parsed.orgId)?.state.detachProject(projectId);
			this.docs.get(id)?.destroy();
			this.docs.delete(id);
			if (this.stores()) await this.db.updates.where('docId').equals(id).delete();
		}
		if (parsed.projectId === undefined) this.orgs.delete(parsed.orgId);
		for (const id of gone) this.changed(id);
	}
}
