import { NOT_A_MEMBER, checkMutation, entryNames, type Mutation } from '$lib/domain/index.ts';
import type { OrgRoom } from '../org-room.ts';
import { changesWrites, storeWrites } from '../change-effects.ts';
import { emptyBatch, mutationKey, type DocumentStore, type RecordedVerdict } from '../storage/documents.ts';
import type { CommitStats } from './commit-stats.ts';
import { apply, take, type Updates } from './commit-steps.ts';
import type { CommittedBatch, Queued, RemoteChanges, Waiter } from './committed-batch.ts';
import type { CheckDirectory, NamedUsers } from './directory.ts';
import type { Rooms } from './rooms.ts';

/**
 * A group commit's work on the store (commit-pipeline.ts queues and publishes): reading what other
 * servers committed, then under the organizations' write locks checking and applying the batch and
 * writing its updates, mutation records and activity in one transaction.
 */

export interface CommitDeps {
	store: DocumentStore;
	rooms: Rooms;
	directory: CheckDirectory;
	now: () => number;
}

/** What a commit read of other servers' commits to organizations it does not write. */
export type Read = Pick<CommittedBatch, 'updates' | 'remote'> & { orgIds: string[] };

/** The one place the pipeline asks the domain, so that a check and a commit cannot answer differently. */
export function verdictOf(
	deps: CommitDeps,
	room: OrgRoom,
	userId: string,
	mutation: Mutation,
	users: NamedUsers,
	steppedUpAt: number | undefined
) {
	return deps.directory.with(users, () => checkMutation(room.state, { actorId: userId, now: deps.now(), steppedUpAt }, mutation));
}

/** What other servers committed to organizations held here that this batch does not write (those are read under their locks). */
export async function readStale<W extends Waiter>(deps: CommitDeps, stale: readonly string[], live: readonly Queued<W>[]): Promise<Read> {
	const written = new Set(live.flatMap((e) => e.mutation?.orgId ?? e.orgId ?? []));
	const onlyRead = stale.flatMap((orgId) => (written.has(orgId) ? [] : (deps.rooms.get(orgId) ?? [])));
	const logs = await Promise.all(onlyRead.map((room) => deps.store.orgLog(room.orgId, room.seq)));
	const updates: Updates = [];
	const remote: RemoteChanges[] = [];
	onlyRead.forEach((room, i) => take(room, logs[i]!, updates, remote));
	return { updates, remote, orgIds: onlyRead.map((room) => room.orgId) };
}

/** The batch's store transaction; `touched.memory` is set once this server's copies may hold what the store does not. */
export async function commitBatch<W extends Waiter>(
	deps: CommitDeps,
	stats: CommitStats,
	live: Queued<W>[],
	rooms: Map<string, OrgRoom>,
	touched: { memory: boolean },
	read: Read
): Promise<CommittedBatch<W>> {
	const { store } = deps;
	const updates: Updates = [...read.updates];
	const remote: RemoteChanges[] = [...read.remote];
	for (const e of live) {
		const orgId = e.mutation?.orgId ?? e.orgId;
		if (orgId !== null && !rooms.has(orgId)) rooms.set(orgId, await deps.rooms.read(orgId));
	}
	if (!live.length) return { entries: live, updates, remote, at: deps.now() };
	const keys = live.filter((e) => e.userId);
	const tx = await store.begin(
		[...rooms.values()].map((room) => ({ orgId: room.orgId, after: room.seq })),
		keys
	);
	touched.memory = true;
	const locked = performance.now();
	let committed = false;
	try {
		for (const [orgId, log] of tx.logs) take(rooms.get(orgId)!, log, updates, remote);
		for (const e of live) checkAndApply(deps, e, rooms, tx.recorded);
		const writes = emptyBatch();
		const saved: ((seq: number) => void)[] = [];
		for (const room of rooms.values()) {
			for (const docRoom of room.dirty) {
				const unsaved = docRoom.takeUnsaved();
				if (!unsaved) continue;
				writes.updates.push(unsaved.write);
				saved.push((seq) => {
					docRoom.saved(unsaved.write, seq);
					room.seq = Math.max(room.seq, seq);
				});
				updates.push({ room, docRoom, update: unsaved.merged });
			}
			room.dirty.clear();
		}
		const at = deps.now();
		for (const e of live) if (!e.recorded) storeWrites(e, at, writes);
		writes.changes = changesWrites(live, new Set(writes.updates.map((u) => u.orgId)), at);
		const seqs = await tx.commit(writes);
		committed = true;
		stats.record(performance.now() - locked, live.length);
		saved.forEach((save, i) => save(seqs[i]!));
		for (const room of rooms.values()) deps.rooms.adopt(room);
		return { entries: live, updates, remote, at };
	} catch (err) {
		if (!committed) await tx.rollback().catch(() => {});
		throw err;
	}
}

function checkAndApply<W extends Waiter>(
	deps: CommitDeps,
	e: Queued<W>,
	rooms: Map<string, OrgRoom>,
	recorded: ReadonlyMap<string, RecordedVerdict>
) {
	const before = e.userId ? recorded.get(mutationKey(e)) : undefined;
	if (before) {
		e.verdict = before;
		e.recorded = true;
		return;
	}
	if (e.serverChanges) {
		const room = rooms.get(e.orgId!)!;
		e.orgId = null;
		if (room.exists()) {
			e.room = room;
			apply(room, e.serverChanges, e);
		}
		return;
	}
	const m = e.mutation;
	if (!m) return;
	const room = rooms.get(m.orgId)!;
	if (!room.exists() && m.type !== 'org.create') e.verdict = NOT_A_MEMBER;
	else {
		e.room = room;
		const verdict = verdictOf(deps, room, e.userId, m, e.users!, e.steppedUpAt);
		// Read before the changes apply: the activity entry names what it acted on as it was then.
		const names = deps.directory.with(e.users!, () => entryNames(room.state, m, e.userId, verdict.ok));
		e.names = { ...names, ...(e.by && { by: e.by }) };
		if (verdict.ok || room.state.member(e.userId)) e.orgId = room.orgId;
		if (verdict.ok) apply(room, verdict.changes, e);
		else e.verdict = verdict;
	}
}
