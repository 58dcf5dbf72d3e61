import { memberOf } from './members.ts';
import { orgClosing, refuse, type Refusal } from './refusals.ts';
import {
	INVITATION_TTL_MS,
	emailKey,
	invitationStatus,
	type OrgRole,
	type Organization,
	type ProjectRole,
	type UserProfile
} from './schemas.ts';
import type { Change, CheckContext, OrgState } from './state.ts';
import { accept, type Verdict } from './verdict.ts';

/** How people come in (by username, by email, by invitation), shared by the member, project and invitation mutations. */

const day = (at: number) => new Date(at).toISOString().slice(0, 10);

export const NO_INVITATION = refuse(
	'INVITATION_NOT_FOUND',
	'That invitation is no longer pending (it may have been accepted or cancelled).'
);

/** Invariant 3: the teams a newcomer is placed in belong to the organization. */
export function unknownTeam(state: OrgState, teamIds: readonly string[]): Refusal | undefined {
	return teamIds.some((t) => !state.team(t))
		? refuse('TEAM_NOT_FOUND', 'One of the chosen teams does not exist (it may have just been deleted).')
		: undefined;
}

/** A user joining the organization with a role, placed in those of the teams that still exist. */
export function joinChanges(state: OrgState, user: UserProfile, role: OrgRole, teamIds: readonly string[], now: number): Change[] {
	const changes: Change[] = [];
	if (!state.member(user.id)) changes.push({ kind: 'member.put', member: memberOf(user, role, now) });
	for (const teamId of new Set(teamIds)) {
		if (state.team(teamId) && !state.isTeamMember(teamId, user.id)) changes.push({ kind: 'teamMember.put', teamId, userId: user.id });
	}
	return changes;
}

export function addMember(state: OrgState, ctx: CheckContext, user: UserProfile, role: OrgRole, teamIds: readonly string[]): Verdict {
	if (state.member(user.id)) return refuse('ALREADY_MEMBER', `${user.username} is already a member.`);
	return unknownTeam(state, teamIds) ?? accept(...joinChanges(state, user, role, teamIds, ctx.now));
}

/** rules §4: adding an existing user to a project brings it into the organization as a member. */
export function addToProject(state: OrgState, ctx: CheckContext, projectId: string, user: UserProfile, roles: ProjectRole[]): Verdict {
	if (state.project(projectId)?.userRoles(user.id)) {
		return refuse('ALREADY_ASSIGNED', `${user.username} is already in this project: edit their roles instead.`);
	}
	const changes: Change[] = [{ kind: 'projectUser.put', projectId, userId: user.id, roles }];
	if (!state.member(user.id)) changes.unshift({ kind: 'member.put', member: memberOf(user, 'ORG_MEMBER', ctx.now) });
	return accept(...changes);
}

/** rules §4: an email adds the one verified user holding it; several such users must be told apart by username. */
export function userByEmail(state: OrgState, email: string): UserProfile | undefined | Refusal {
	const users = state.usersByEmail(email);
	if (users.length > 1) {
		return refuse('AMBIGUOUS_EMAIL', `${users.length} Roster users have the address ${email}: add the one you mean by username.`);
	}
	return users[0];
}

/**
 * A new invitation may not repeat a pending one for the same address; an expired one
 * is replaced (the changes returned delete it).
 */
export function replaceExpired(
	existing: { id: string; expiresAt: number; createdAt: number } | undefined,
	email: string,
	now: number,
	remove: (inviteId: string) => Change
): Change[] | Refusal {
	if (!existing) return [];
	if (invitationStatus(existing, now) === 'pending') {
		return refuse('ALREADY_INVITED', `${email} was already invited on ${day(existing.createdAt)}: cancel that invitation to send another.`);
	}
	return [remove(existing.id)];
}

export const expiry = (now: number) => ({ createdAt: now, expiresAt: now + INVITATION_TTL_MS });

/** Whether this user may accept this invitation now. */
export function acceptable(
	org: Organization,
	user: UserProfile,
	invitation: { email: string; expiresAt: number } | undefined,
	now: number
) {
	// The same answer whether the invitation is unknown or for someone else: ids reveal nothing (invariant 10).
	if (!invitation || emailKey(invitation.email) !== emailKey(user.email)) return NO_INVITATION;
	if (!user.emailVerified) return refuse('EMAIL_NOT_VERIFIED', `Verify ${user.email} first: the invitation is accepted with that address.`);
	if (org.status === 'closed') return refuse('ORG_CLOSED', `${org.name} is closed and can no longer be changed.`);
	if (org.status === 'closing') return orgClosing(org.name);
	if (invitationStatus(invitation, now) === 'expired') {
		return refuse('INVITATION_EXPIRED', `The invitation to ${org.name} expired on ${day(invitation.expiresAt)}: ask for a new one.`);
	}
	return undefined;
}
