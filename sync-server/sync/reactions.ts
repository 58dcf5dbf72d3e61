import { membershipEvents, type MembershipAlert } from '$lib/domain/index.ts';
import type { AccountStore } from '../storage/accounts.ts';
import type { DocumentStore } from '../storage/documents.ts';
import type { CommittedBatch } from './committed-batch.ts';
import type { Accounts } from './directory.ts';

/** What happens outside the documents once a batch is durable and published: told every batch, it picks what concerns it. */
export type Reaction = (batch: CommittedBatch) => void;

/** What an invitation email says. */
export interface InvitationNotice {
	orgId: string;
	email: string;
	orgName: string;
	projectName?: string;
	invitedBy: string;
	expiresAt: number;
}

/** Each new invitation, to mail the invitee; changes that only rewrite one (placing its invitee in a team) send nothing. */
export function invitationsSent(onInvited: (notice: InvitationNotice) => void): Reaction {
	return (batch) => {
		for (const { room, verdict, mutation: m, userId, changes } of batch.entries) {
			if (!room || !verdict.ok || (m?.type !== 'member.invite' && m?.type !== 'project.invite')) continue;
			const invitedBy = room.state.member(userId);
			for (const c of changes) {
				if ((c.kind !== 'invitation.put' && c.kind !== 'projectInvitation.put') || c.invitation.id !== m.inviteId) continue;
				const projectName = c.kind === 'projectInvitation.put' ? room.state.project(c.projectId)?.project()?.name : undefined;
				onInvited({
					orgId: room.orgId,
					email: c.invitation.email,
					orgName: room.state.org()?.name ?? '',
					projectName,
					invitedBy: invitedBy ? invitedBy.displayName || invitedBy.username : 'An administrator',
					expiresAt: c.invitation.expiresAt
				});
			}
		}
	};
}

/** rules §2: a durable change of who is in an organization goes to its notification channels, if any are set. */
export function membershipChanged(
	store: DocumentStore,
	accounts: Accounts,
	onMembershipChange: (alert: MembershipAlert) => void
): Reaction {
	return (batch) => {
		for (const e of batch.entries) {
			const { room, mutation } = e;
			const org = room?.state.org();
			const settings = org?.notifications;
			if (!room || !e.verdict.ok || !mutation || !org || !(settings?.email || settings?.webhook)) continue;
			// Members the changes did not touch are as they were.
			const before = (userId: string) => (e.wasMember.has(userId) ? e.wasMember.get(userId) : room.state.member(userId));
			const events = membershipEvents(mutation, e.changes, before);
			if (!events.length) continue;
			const known = before(e.userId)?.username;
			const alert = async (): Promise<MembershipAlert> => {
				const username = known ?? (await accounts.user(e.userId))?.username ?? 'a deleted user';
				const channels = { email: settings.email, webhook: settings.webhook ? ((await store.webhook(org.id)) ?? null) : null };
				return {
					org: { id: org.id, name: org.name },
					channels,
					actor: { id: e.userId, username },
					mutation: mutation.type,
					events,
					at: batch.at
				};
			};
			alert().then(onMembershipChange, (err: unknown) => console.error('membership alert not sent', err));
		}
	};
}

/** rules §5: a revoked secret's hash goes from the store once the revocation is durable (the document already refuses it). */
export function secretsRevoked(accounts: Pick<AccountStore, 'deleteServiceSecret'>): Reaction {
	return (batch) => {
		for (const { verdict, mutation: m } of batch.entries) {
			if (!verdict.ok || m?.type !== 'serviceAccount.revokeSecret') continue;
			accounts.deleteServiceSecret(m.secretId).catch((err: unknown) => console.error('a revoked secret’s hash was not deleted', err));
		}
	};
}

/**
 * rules §5: a change to a service account's secrets (a revocation, the account deleted), here or
 * on another server, is checked against its open sockets at once rather than at their next frame.
 */
export function credentialsChanged(recheck: (userId: string) => void): Reaction {
	return (batch) => {
		const changes = [...batch.entries.flatMap((e) => (e.verdict.ok ? e.changes : [])), ...batch.remote.flatMap((r) => r.changes)];
		const userIds = new Set<string>();
		for (const c of changes) {
			if (c.kind === 'serviceAccount.put') userIds.add(c.account.userId);
			else if (c.kind === 'serviceAccount.delete') userIds.add(c.userId);
		}
		for (const userId of userIds) recheck(userId);
	};
}
