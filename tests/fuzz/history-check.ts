import { expect } from 'vitest';
import * as Y from 'yjs';
import { Replay, orgMaps, type LoggedChanges } from '$lib/domain/index.ts';
import type { DocumentStore } from '../../sync-server/storage/documents.ts';
import { snapshotOf, type RosterModel } from './org-model.ts';

interface Sent {
	userId: string;
	id: string;
	body: unknown;
}

type Place = { seq: number; entries: number };
const before = (a: Place, b: Place) => a.seq < b.seq || (a.seq === b.seq && a.entries < b.entries);

/**
 * rules §2 "History", checked by the fuzz run: every burst's accepted mutations are kept with the
 * reference model as it was before the burst. At the end each mutation is found in the store's log;
 * the model, given a burst's mutations in the order the log has them (several instances may commit a
 * burst in another order than the one the run found for it), gives the state right after each, and
 * the history rebuilt from the log at that mutation (by sequence) must equal it.
 */
export class HistoryCheck {
	private readonly bursts: { model: RosterModel; accepted: Sent[] }[] = [];
	private readonly seen = new Set<string>();
	checked = 0;

	/** A burst's accepted mutations (a retry, answered again, is not applied again: only the first counts), and the model before it. */
	burst(model: RosterModel, accepted: readonly Sent[]) {
		const fresh = accepted.filter((s) => {
			const key = `${s.userId}\u0000${s.id}`;
			return !this.seen.has(key) && !!this.seen.add(key);
		});
		if (fresh.length) this.bursts.push({ model, accepted: fresh });
	}

	async verify(store: DocumentStore, where: string) {
		const logs = new Map<string, { log: LoggedChanges[]; place: Map<string, Place>; replay: Replay; at: Place }>();
		const logOf = async (orgId: string) => {
			const known = logs.get(orgId);
			if (known) return known;
			const log: LoggedChanges[] = [];
			for (let page = await store.history(orgId, 0, 50); page.length; page = await store.history(orgId, page.at(-1)!.seq, 50))
				log.push(...page);
			const place = new Map(log.flatMap((b) => b.entries.map((e, i) => [`${e.by}\u0000${e.id}`, { seq: b.seq, entries: i + 1 }] as const)));
			const made = { log, place, replay: replayOf(log), at: { seq: 0, entries: 0 } };
			logs.set(orgId, made);
			return made;
		};
		for (const { model, accepted } of this.bursts) {
			const placed = [];
			for (const s of accepted) {
				const orgId = (s.body as { orgId: string }).orgId;
				const at = (await logOf(orgId)).place.get(`${s.userId}\u0000${s.id}`);
				// One that changed nothing logs nothing: it has no moment of its own.
				if (at) placed.push({ ...s, orgId, at });
			}
			placed.sort((a, b) => a.orgId.localeCompare(b.orgId) || a.at.seq - b.at.seq || a.at.entries - b.at.entries);
			const then = model.clone();
			for (const s of placed) {
				expect(then.submit(s.userId, s.id, s.body), `${s.id} in the log's order; ${where}`).toEqual({ ok: true });
				const org = (await logOf(s.orgId))!;
				if (before(s.at, org.at)) org.replay = replayOf(org.log);
				org.at = s.at;
				await org.replay.to(s.at);
				expect(snapshotOf(asDoc(org.replay)), `${s.orgId} rebuilt right after ${s.id}; ${where}`).toEqual(then.snapshot(s.orgId));
				this.checked++;
			}
		}
	}
}

/** A replay of the log, read seven batches at a time (so that pages end mid-run). */
const replayOf = (log: readonly LoggedChanges[]) => new Replay(async (after) => log.filter((b) => b.seq > after).slice(0, 7));

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
