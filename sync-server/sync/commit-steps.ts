import { applyChanges, type Change } from '$lib/domain/index.ts';
import { SERVER_ORIGIN } from '../doc-room.ts';
import type { OrgRoom } from '../org-room.ts';
import type { OrgLog } from '../storage/documents.ts';
import type { Committed, CommittedBatch, Queued, RemoteChanges, Waiter } from './committed-batch.ts';

/** The steps of a commit that need no pipeline: making an entry, taking in another server's commit, applying changes. */

export type Updates = CommittedBatch['updates'][number][];

export function newEntry<W extends Waiter>(userId: string, id: string, type: string, waiter: W): Queued<W> {
	return {
		userId,
		id,
		type,
		orgId: null,
		mutation: undefined,
		verdict: { ok: true },
		waiters: [waiter],
		room: undefined,
		changes: [],
		wasMember: new Map()
	};
}

/** Applies what another server committed to a room, collecting its updates to publish and its changes to re-check access by. */
export function take(room: OrgRoom, log: OrgLog, updates: Updates, remote: RemoteChanges[]) {
	const after = room.seq;
	for (const { docRoom, update } of room.applyLog(log)) updates.push({ room, docRoom, update });
	for (const logged of log.changes) {
		if (logged.seq <= after) continue;
		for (const { type, changes } of logged.entries) remote.push({ room, type, changes });
	}
}

export function apply(room: OrgRoom, changes: readonly Change[], entry: Committed) {
	for (const c of changes) {
		if (c.kind === 'member.put') entry.wasMember.set(c.member.userId, room.state.member(c.member.userId));
		if (c.kind === 'member.delete') entry.wasMember.set(c.userId, room.state.member(c.userId));
	}
	entry.changes = changes;
	applyChanges(room.state, changes, SERVER_ORIGIN);
}

/** Work on one organization queues in its lane; a body naming none shares one lane. */
export function laneOf(body: unknown): string {
	const orgId = (body as { orgId?: unknown } | null)?.orgId;
	return typeof orgId === 'string' ? orgId : '';
}

/** Whether every sender of an entry gave up on it (a failed commit closed their sockets): it is then neither checked nor joined. */
export function gone(e: Committed): boolean {
	return e.waiters.length > 0 && e.waiters.every((w) => w.gone?.());
}
