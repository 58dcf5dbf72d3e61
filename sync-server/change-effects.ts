import { accessTouched, recordable, type Change } from '$lib/domain/index.ts';
import { projectDocId } from '$lib/protocol/messages.ts';
import type { OrgRoom } from './org-room.ts';
import type { StoreBatch } from './storage/documents.ts';
import type { Committed } from './sync/committed-batch.ts';

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
