import { z } from 'zod';
import { Password } from './passwords.ts';
import { refuse, type Refusal } from './refusals.ts';
import { DisplayName, Email, Id, OrgRole, Username, type Member, type Organization } from './schemas.ts';
import type { Change, OrgState } from './state.ts';

/** mLab "Add a new account user": the primary admin sets a username, an email and a first password. */
export const ManagedUserCreate = z.strictObject({
	org: Id,
	username: Username,
	email: Email,
	password: Password,
	displayName: DisplayName.default(''),
	role: OrgRole
});
export type ManagedUserCreate = z.input<typeof ManagedUserCreate>;

/** What the primary admin may change of a managed user's profile; a new email is unverified until its link is used. */
export const ManagedUserUpdate = z
	.strictObject({ userId: Id, username: Username.optional(), displayName: DisplayName.optional(), email: Email.optional() })
	.refine(
		(u) => u.username !== undefined || u.displayName !== undefined || u.email !== undefined,
		'Send a username, display name or email to change'
	);
export type ManagedUserUpdate = z.input<typeof ManagedUserUpdate>;

export const ManagedPasswordReset = z.strictObject({ userId: Id, password: Password });
export type ManagedPasswordReset = z.input<typeof ManagedPasswordReset>;

export const ManagedUserRef = z.strictObject({ userId: Id });

/**
 * rules §1: a managed user belongs to the organization that manages it and to no other, so
 * that its primary admin resetting the password never hands over another organization's access.
 */
export function managedElsewhere(orgId: string, user: { managedBy?: string } | undefined): boolean {
	return !!user?.managedBy && user.managedBy !== orgId;
}

/** A member managed by another organization (one that joined before this rule) may only leave; it reads nothing here either. */
export function managedElsewhereActor(org: Organization): Refusal {
	return refuse('MANAGED_ELSEWHERE', `Your account is managed by another organization: in ${org.name} you may only leave.`);
}

/** rules §1: a user created by an organization's admin is managed by that organization; answers with the member, or why not. */
export function managedMember(state: OrgState, org: Organization, userId: string): Member | Refusal {
	const target = state.member(userId);
	// A service account is managed too, but through its own page and mutations (rules §5): it has no password or profile to edit.
	if (target?.managedBy === org.id && !target.service) return target;
	return refuse('NOT_MANAGED', `That user is not one that ${org.name} manages: only users created by its primary admin are.`);
}

/**
 * Accepted changes that would let a user managed by another organization in, or give it a
 * role, a team or a project here (whichever path: by username, email, invitation, project,
 * transfer or creating an organization). Undefined when there are none.
 */
export function guardManaged(state: OrgState, actorId: string, changes: readonly Change[]): Refusal | undefined {
	// org.create has no organization yet: its own org.put names it.
	const org = state.org() ?? changes.flatMap((c) => (c.kind === 'org.put' ? [c.org] : []))[0];
	if (!org) return undefined;
	for (const c of changes) {
		const user = grantee(state, c);
		if (!user || !managedElsewhere(org.id, user)) continue;
		if (user.userId === actorId) {
			return refuse('MANAGED_ELSEWHERE', `Your account is managed by another organization, so it cannot join or create ${org.name}.`);
		}
		return refuse(
			'MANAGED_ELSEWHERE',
			`${user.username} is managed by another organization and cannot be added to ${org.name}, invited to it or given roles in it.`
		);
	}
	return undefined;
}

/** Who a change gives something to: a membership (its own copy), a team, a project, primary admin. */
function grantee(state: OrgState, c: Change): Member | undefined {
	switch (c.kind) {
		case 'member.put':
			return c.member;
		case 'teamMember.put':
		case 'projectUser.put':
			return state.member(c.userId);
		case 'org.put':
			return c.org.primaryAdminId !== state.org()?.primaryAdminId ? state.member(c.org.primaryAdminId) : undefined;
		// A team's roles reach only its members, who came in through one of the changes above; an invitation grants nothing until
		// accepted; a service account's metadata grants nothing (its member row does).
		case 'member.delete':
		case 'team.put':
		case 'team.delete':
		case 'teamMember.delete':
		case 'project.put':
		case 'projectUser.delete':
		case 'projectTeam.put':
		case 'projectTeam.delete':
		case 'joinRequest.put':
		case 'joinRequest.delete':
		case 'invitation.put':
		case 'invitation.delete':
		case 'projectInvitation.put':
		case 'projectInvitation.delete':
		case 'deployment.put':
		case 'contact.put':
		case 'billing.put':
		case 'card.put':
		case 'card.delete':
		case 'card.default':
		case 'invoice.put':
		case 'serviceAccount.put':
		case 'serviceAccount.delete':
			return undefined;
		default:
			return c satisfies never;
	}
}
