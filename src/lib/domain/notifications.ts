import { webhookShown, type Mutation, type MutationType } from './mutations/index.ts';
import type { Member, OrgRole } from './schemas.ts';
import type { Change } from './state.ts';

/** A mutation as the activity feed keeps it: a webhook URL only as shown, never whole. */
export function recordable(m: Mutation): Mutation {
	return m.type === 'org.setNotifications' && m.webhook ? { ...m, webhook: webhookShown(m.webhook) } : m;
}

/** One change to who is in the organization, in what role, or who its primary admin is. */
export interface MembershipEvent {
	userId: string;
	username: string;
	change: 'joined' | 'left' | 'role' | 'primary admin';
	/** The role after the change (absent when the user left). */
	role?: OrgRole;
	/** The role before a role change. */
	from?: OrgRole;
}

/**
 * What an accepted mutation changed of the membership (rules §2: alerts on membership
 * changes), from its changes and `before`, a member as it was before them. Empty for a
 * mutation that changed no membership, such as a rename or a role set to itself.
 */
export function membershipEvents(
	m: Mutation,
	changes: readonly Change[],
	before: (userId: string) => Member | undefined
): MembershipEvent[] {
	const events: MembershipEvent[] = [];
	for (const c of changes) {
		if (c.kind === 'member.put') {
			const was = before(c.member.userId);
			const { userId, username, role } = c.member;
			if (!was) events.push({ userId, username, change: 'joined', role });
			else if (was.role !== role) events.push({ userId, username, change: 'role', role, from: was.role });
		} else if (c.kind === 'member.delete') {
			events.push({ userId: c.userId, username: before(c.userId)?.username ?? c.userId, change: 'left' });
		}
	}
	if (m.type === 'org.transferPrimaryAdmin') {
		const target = before(m.userId);
		if (target && changes.some((c) => c.kind === 'org.put' && c.org.primaryAdminId === target.userId)) {
			events.push({ userId: target.userId, username: target.username, change: 'primary admin' });
		}
	}
	return events;
}

/** What the server sends to an organization's notification channels after a membership change is durable. */
export interface MembershipAlert {
	org: { id: string; name: string };
	/** The whole webhook URL, which only the server holds. */
	channels: { email: string | null; webhook: string | null };
	actor: { id: string; username: string };
	mutation: MutationType;
	events: MembershipEvent[];
	at: number;
}
