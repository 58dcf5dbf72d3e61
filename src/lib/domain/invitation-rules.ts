import { memberOf } from './members.ts';
import type { MutationOf } from './mutations.ts';
import { addToProject } from './project-rules.ts';
import { orgClosing, refuse, type Refusal } from './refusals.ts';
import {
	INVITATION_TTL_MS,
	ProjectRole,
	emailKey,
	invitationStatus,
	type OrgRole,
	type Organization,
	type UserProfile
} from './schemas.ts';
import type { Change, CheckContext, OrgState } from './state.ts';
import { accept, type Handler, type Verdict } from './verdict.ts';

type JoiningType =
	| 'member.add'
	| 'member.invite'
	| 'member.cancelInvite'
	| 'team.addInvitee'
	| 'team.removeInvitee'
	| 'project.invite'
	| 'project.cancelInvite';

const day = (at: number) => new Date(at).toISOString().slice(0, 10);
const NO_INVITATION = refuse('INVITATION_NOT_FOUND', 'That invitation is no longer pending (it may have been accepted or cancelled).');

/** Invariant 3: the teams a newcomer is placed in belong to the organization. */
function unknownTeam(state: OrgState, teamIds: readonly string[]): Refusal | undefined {
	return teamIds.some((t) => !state.team(t))
		? refuse('TEAM_NOT_FOUND', 'One of the chosen teams does not exist (it may have just been deleted).')
		: undefined;
}

/** A user joining the organization with a role, placed in those of the teams that still exist. */
function joinChanges(state: OrgState, user: UserProfile, role: OrgRole, teamIds: readonly string[], now: number): Change[] {
	const changes: Change[] = [];
	if (!state.member(user.id)) changes.push({ kind: 'member.put', member: memberOf(user, role, now) });
	for (const teamId of new Set(teamIds)) {
		if (state.team(teamId) && !state.isTeamMember(teamId, user.id)) changes.push({ kind: 'teamMember.put', teamId, userId: user.id });
	}
	return changes;
}

function addMember(state: OrgState, ctx: CheckContext, user: UserProfile, role: OrgRole, teamIds: readonly string[]): Verdict {
	if (state.member(user.id)) return refuse('ALREADY_MEMBER', `${user.username} is already a member.`);
	return unknownTeam(state, teamIds) ?? accept(...joinChanges(state, user, role, teamIds, ctx.now));
}

/** SPEC §4: an email adds the one verified user holding it; several such users must be told apart by username. */
function userByEmail(state: OrgState, email: string): UserProfile | undefined | Refusal {
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
function replaceExpired(
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

const expiry = (now: number) => ({ createdAt: now, expiresAt: now + INVITATION_TTL_MS });

/** Adding people: by username, or by email (added if a verified user holds it, else invited); cancelling invitations. */
export const JOINING_HANDLERS: { [T in JoiningType]: Handler<T> } = {
	'member.add': (state, ctx, m) => {
		const user = state.userByUsername(m.username);
		if (!user) return refuse('USER_NOT_FOUND', `No Roster user is called “${m.username}”.`);
		return addMember(state, ctx, user, m.role, m.teams ?? []);
	},

	'member.invite': (state, ctx, m) => {
		const found = userByEmail(state, m.email);
		if (found && 'ok' in found) return found;
		if (found) return addMember(state, ctx, found, m.role, m.teams ?? []);
		const teams = [...new Set(m.teams)];
		const refusal = unknownTeam(state, teams);
		if (refusal) return refusal;
		if (state.invitation(m.inviteId)) return refuse('INVITATION_EXISTS', 'An invitation with this id already exists.');
		const replaced = replaceExpired(state.invitationByEmail(m.email), m.email, ctx.now, (inviteId) => ({ kind: 'invitation.delete', inviteId }));
		if ('ok' in replaced) return replaced;
		const { inviteId: id, email, role } = m;
		const invitation = { id, email, role, teams, invitedBy: ctx.actorId, ...expiry(ctx.now) };
		return accept(...replaced, { kind: 'invitation.put', invitation });
	},

	'member.cancelInvite': (state, _c, m) => {
		if (!state.invitation(m.inviteId)) return NO_INVITATION;
		return accept({ kind: 'invitation.delete', inviteId: m.inviteId });
	},

	'team.addInvitee': (state, _c, m) => {
		const team = state.team(m.teamId);
		const invitation = state.invitation(m.inviteId);
		if (!team) return refuse('TEAM_NOT_FOUND', 'That team does not exist (it may have just been deleted).');
		if (!invitation) return NO_INVITATION;
		if (invitation.teams.includes(team.id)) return refuse('ALREADY_TEAM_MEMBER', `${invitation.email} is already placed in team ${team.name}.`);
		return accept({ kind: 'invitation.put', invitation: { ...invitation, teams: [...invitation.teams, team.id] } });
	},

	'team.removeInvitee': (state, _c, m) => {
		const invitation = state.invitation(m.inviteId);
		if (!invitation) return NO_INVITATION;
		if (!invitation.teams.includes(m.teamId)) return refuse('NOT_TEAM_MEMBER', `${invitation.email} is not placed in that team.`);
		return accept({ kind: 'invitation.put', invitation: { ...invitation, teams: invitation.teams.filter((t) => t !== m.teamId) } });
	},

	'project.invite': (state, ctx, m) => {
		const found = userByEmail(state, m.email);
		if (found && 'ok' in found) return found;
		if (found) return addToProject(state, ctx, m.projectId, found, m.roles);
		const project = state.project(m.projectId)!;
		if (project.invitation(m.inviteId)) return refuse('INVITATION_EXISTS', 'An invitation with this id already exists.');
		const replaced = replaceExpired(project.invitationByEmail(m.email), m.email, ctx.now, (inviteId) => ({
			kind: 'projectInvitation.delete',
			projectId: m.projectId,
			inviteId
		}));
		if ('ok' in replaced) return replaced;
		const invitation = { id: m.inviteId, email: m.email, roles: m.roles, invitedBy: ctx.actorId, ...expiry(ctx.now) };
		return accept(...replaced, { kind: 'projectInvitation.put', projectId: m.projectId, invitation });
	},

	'project.cancelInvite': (state, _c, m) => {
		if (!state.project(m.projectId)!.invitation(m.inviteId)) return NO_INVITATION;
		return accept({ kind: 'projectInvitation.delete', projectId: m.projectId, inviteId: m.inviteId });
	}
};

/** Whether this user may accept this invitation now. */
function acceptable(org: Organization, user: UserProfile, invitation: { email: string; expiresAt: number } | undefined, now: number) {
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

/**
 * SPEC §4: the invitee, signed up or in with the invited address verified, gets the
 * access the invitation holds, in one mutation. The actor need not be a member yet.
 */
export function acceptInvitation(state: OrgState, ctx: CheckContext, m: MutationOf<'invite.accept'>): Verdict {
	const org = state.org();
	const user = state.user(ctx.actorId);
	if (!org || !user) return NO_INVITATION;
	if (m.projectId === undefined) {
		const invitation = state.invitation(m.inviteId);
		const refusal = acceptable(org, user, invitation, ctx.now);
		if (refusal) return refusal;
		const { role, teams } = invitation!;
		return accept({ kind: 'invitation.delete', inviteId: m.inviteId }, ...joinChanges(state, user, role, teams, ctx.now));
	}
	const project = state.project(m.projectId);
	const invitation = project?.invitation(m.inviteId);
	const refusal = acceptable(org, user, invitation, ctx.now);
	if (refusal) return refusal;
	const meta = project!.project()!;
	if (meta.status !== 'active') return refuse('PROJECT_CLOSED', `Project ${meta.name} is closed.`);
	// Roles already held individually are kept: an invitation only adds.
	const held = project!.userRoles(user.id) ?? [];
	const roles = ProjectRole.options.filter((r) => held.includes(r) || invitation!.roles.includes(r));
	return accept(
		{ kind: 'projectInvitation.delete', projectId: m.projectId, inviteId: m.inviteId },
		...joinChanges(state, user, 'ORG_MEMBER', [], ctx.now),
		{ kind: 'projectUser.put', projectId: m.projectId, userId: user.id, roles }
	);
}
