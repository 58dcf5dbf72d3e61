import { memberOf, publicProfile, type Change } from '$lib/domain/index.ts';
import { parseDocId } from '$lib/protocol/messages.ts';
import type { DocumentStore } from '../storage/documents.ts';
import type { Verdict } from './committed-batch.ts';
import type { Accounts } from './directory.ts';
import type { Rooms } from './rooms.ts';

/** What an account's change asks of the organizations it is in. */
export interface FlowDeps {
	accounts: Accounts;
	documents: DocumentStore;
	rooms: Rooms;
	/** Submits a mutation on the user's behalf, saying why (`by`); resolves with its verdict as checked. */
	submit: (userId: string, id: string, body: unknown, by: string) => Promise<Verdict>;
}

/**
 * rules §4: a user whose address is verified accepts every pending invitation to it,
 * each as its own mutation (recorded in the organization's activity). Returns where
 * the accepted ones lead, project invitations first.
 */
export async function acceptInvitations(deps: FlowDeps, userId: string): Promise<{ orgId: string; projectId?: string }[]> {
	const user = await deps.accounts.user(userId);
	if (!user?.emailVerified) return [];
	const landed: { orgId: string; projectId?: string }[] = [];
	for (const row of await deps.documents.invitationsFor(user.email)) {
		const projectId = row.project_id || undefined;
		const state = (await deps.rooms.load(row.org_id))?.state;
		const invitation = projectId ? state?.project(projectId)?.invitation(row.invite_id) : state?.invitation(row.invite_id);
		if (!invitation) continue;
		const mutation = { type: 'invite.accept', orgId: row.org_id, inviteId: row.invite_id, ...(projectId ? { projectId } : {}) };
		// The id is the inviter's choice and may come back once this invitation is gone: its creation
		// makes the key this invitation's own, so a later one is not answered with this one's verdict.
		const key = `accept:${row.org_id}/${row.project_id}/${row.invite_id}@${invitation.createdAt}`;
		const verdict = await deps.submit(userId, key, mutation, 'Roster accepted it when they verified their email address.');
		if (verdict.ok) landed.push({ orgId: row.org_id, projectId });
	}
	return landed.sort((a, b) => +!a.projectId - +!b.projectId);
}

/** Copies a user's changed profile (e.g. a verified email) into every organization it belongs to; resolves once durable. */
export async function refreshProfile(
	deps: FlowDeps,
	userId: string,
	apply: (orgId: string, changes: Change[]) => Promise<void>
): Promise<void> {
	const stored = await deps.accounts.user(userId);
	if (!stored) return;
	const user = publicProfile(stored);
	const refreshed: Promise<void>[] = [];
	for (const docId of await deps.documents.docsOf(userId)) {
		const orgId = parseDocId(docId)?.orgId;
		const member = orgId === undefined ? undefined : (await deps.rooms.load(orgId))?.state.member(userId);
		// The membership's terms (role, joining, expiry) stay; only the copied profile changes.
		const kept = member && { ...memberOf(user, member.role, member.joinedAt), ...(member.expiry && { expiry: member.expiry }) };
		if (kept) refreshed.push(apply(orgId!, [{ kind: 'member.put', member: kept }]));
	}
	await Promise.all(refreshed);
}
