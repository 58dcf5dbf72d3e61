import { accessTouched, recordable, type Change } from '$lib/domain/index.ts';
import { projectDocId } from '$lib/protocol/messages.ts';
import type { OrgRoom } from './org-room.ts';
import type { ChangesWrite, StoreBatch } from './storage/documents.ts';
import type { Committed, CommittedBatch } from './sync/committed-batch.ts';

/** What a committed batch of changes means outside the documents: whose access to re-check, and what the store keeps beside them. */

/** Whose read access a batch of changes may have changed, and to which documents (the rule is the domain's accessTouched). */
export function accessToRecheck(room: OrgRoom, changes: readonly Change[], type: string | undefined): [OrgRoom, string, string[]][] {
	const orgReaders = () => [...room.org.subscribers].map((conn) => conn.userId);
	return accessTouched(room.state, changes, type, orgReaders).map(({ userId, scope }) => [
		room,
		userId,
		scope.doc === 'all' ? room.docIds() : [projectDocId(room.orgId, scope.projectId)]
	]);
}

/** Whose access a committed batch may have changed: by its own entries, and by what other servers committed meanwhile. */
export function batchAccessToRecheck(batch: CommittedBatch): [OrgRoom, string, string[]][] {
	return [
		...batch.remote.flatMap((r) => accessToRecheck(r.room, r.changes, r.type)),
		...batch.entries.flatMap((e) => (e.room ? accessToRecheck(e.room, e.changes, e.mutation?.type) : []))
	];
}

/**
 * The changes each organization's documents took in a batch, by the mutation type that made them ('' for server
 * changes), who sent it ('' the server) and its id, committed `at`: logged beside the updates so that other servers
 * re-check access as this one does, and kept as the organization's history. Only organizations whose documents
 * were written (`written`) log any.
 */
export function changesWrites(entries: readonly Committed[], written: ReadonlySet<string>, at: number): ChangesWrite[] {
	const byOrg = new Map<string, ChangesWrite>();
	for (const e of entries) {
		if (!e.room || !e.changes.length || !written.has(e.room.orgId)) continue;
		let write = byOrg.get(e.room.orgId);
		if (!write) byOrg.set(e.room.orgId, (write = { orgId: e.room.orgId, at, entries: [] }));
		write.entries.push({ type: e.mutation?.type ?? '', changes: [...e.changes], by: e.userId, id: e.id });
	}
	return [...byOrg.values()];
}

/** Adds to the store's batch what one entry means beside its documents: its record, the invitation index, memberships and webhook. */
export function storeWrites(e: Committed, at: number, out: StoreBatch) {
	if (e.userId) {
		const refusal = e.verdict.ok ? undefined : e.verdict;
		out.mutations.push({
			userId: e.userId,
			id: e.id,
			orgId: e.orgId,
			type: e.mutation?.type ?? e.type,
			// The parsed mutation only: bounded by its schema, unknown keys dropped; never the raw frame.
			body: JSON.stringify(e.mutation ? recordable(e.mutation) : null),
			ok: e.verdict.ok,
			code: refusal?.code ?? null,
			message: refusal?.message ?? null,
			names: e.names ? JSON.stringify(e.names) : null,
			at
		});
	}
	const room = e.room;
	if (!room) return;
	for (const c of e.changes) {
		if (c.kind === 'invitation.put')
			out.invitations.push({ orgId: room.orgId, projectId: '', inviteId: c.invitation.id, email: c.invitation.email });
		else if (c.kind === 'invitation.delete') out.invitations.push({ orgId: room.orgId, projectId: '', inviteId: c.inviteId });
		else if (c.kind === 'projectInvitation.put')
			out.invitations.push({ orgId: room.orgId, projectId: c.projectId, inviteId: c.invitation.id, email: c.invitation.email });
		else if (c.kind === 'projectInvitation.delete')
			out.invitations.push({ orgId: room.orgId, projectId: c.projectId, inviteId: c.inviteId });
	}
	if (e.verdict.ok && e.mutation?.type === 'org.setNotifications' && e.mutation.webhook !== undefined) {
		out.webhooks.push({ orgId: e.mutation.orgId, url: e.mutation.webhook });
	}
	for (const [userId, was] of e.wasMember) {
		const is = !!room.state.member(userId);
		if (is !== !!was) out.memberships.push({ userId, docId: room.org.docId, member: is });
	}
}
