import { expect } from 'vitest';
import * as Y from 'yjs';
import { Replay, orgMaps, type LoggedChanges, type Moment } from '$lib/domain/index.ts';
import type { DocumentStore } from '../../sync-server/storage/documents.ts';
import { snapshotOf, type Snapshot } from './org-model.ts';

/**
 * rules §2 "History", checked by the fuzz run: the state after every accepted mutation, as the
 * reference model had it, is recorded; at the end, the history rebuilt from the store's log at
 * each of those moments (by sequence, exact to the mutation) must equal it.
 */
export class HistoryCheck {
	private readonly expected: { orgId: string; userId: string; id: string; snapshot: Snapshot | undefined }[] = [];
	private readonly seen = new Set<string>();
	checked = 0;

	/** The state of `orgId` right after the user's mutation `id` was accepted and changed it (a retry, answered again, is not applied again). */
	accepted(orgId: string, userId: string, id: string, snapshot: Snapshot | undefined) {
		const key = `${userId}\u0000${id}`;
		if (this.seen.has(key)) return;
		this.seen.add(key);
		this.expected.push({ orgId, userId, id, snapshot });
	}

	/** A replay of the log, read seven batches at a time (so that pages end mid-run). */
	private replay(log: readonly LoggedChanges[]) {
		return new Replay(async (after) => log.filter((b) => b.seq > after).slice(0, 7));
	}

	async verify(store: DocumentStore, where: string) {
		for (const orgId of new Set(this.expected.map((e) => e.orgId))) {
			const log: LoggedChanges[] = [];
			for (let page = await store.history(orgId, 0, 50); page.length; page = await store.history(orgId, page.at(-1)!.seq, 50))
				log.push(...page);
			const place = new Map(log.flatMap((b) => b.entries.map((e, i) => [`${e.by}\u0000${e.id}`, { seq: b.seq, entries: i + 1 }] as const)));
			let last = { seq: 0, entries: 0 };
			let replay = this.replay(log);
			for (const e of this.expected.filter((x) => x.orgId === orgId)) {
				const at = place.get(`${e.userId}\u0000${e.id}`);
				expect(at, `${e.id} changed ${orgId} but is not in its logged history; ${where}`).toBeDefined();
				if (at!.seq < last.seq || (at!.seq === last.seq && at!.entries < last.entries)) replay = this.replay(log);
				last = at!;
				await replay.to(last satisfies Moment);
				expect(snapshotOf(asDoc(replay)), `${orgId} rebuilt right after ${e.id}; ${where}`).toEqual(e.snapshot);
				this.checked++;
			}
		}
	}
}

/** The rebuilt organization tables as a document, read the way the store's and the replicas' are. */
function asDoc(replay: Replay): Y.Doc {
	const doc = new Y.Doc();
	const maps = orgMaps(doc);
	const s = replay.state;
	const org = s.org();
	if (org) maps.meta.set('org', org);
	for (const [key, row] of s.rows('member')) maps.members.set(key, row);
	for (const [key, row] of s.rows('team')) maps.teams.set(key, row);
	for (const [key, row] of s.rows('teamMember')) maps.teamMembers.set(key, row);
	return doc;
}
