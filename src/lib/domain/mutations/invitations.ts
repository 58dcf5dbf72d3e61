import {
	NO_INVITATION,
	acceptable,
	addMember,
	addToProject,
	expiry,
	joinChanges,
	replaceExpired,
	unknownTeam,
	userByEmail
} from '../joining.ts';
import { ORG_ROLES } from '../roles.ts';
import { refuse } from '../refusals.ts';
import { Email, Id, OrgRole, ProjectRole, ProjectRoles } from '../schemas.ts';
import { accept } from '../verdict.ts';
import { defineMutation, roleList } from './define.ts';
import { Teams } from './members.ts';
import { onTeam } from './teams.ts';

const NO_REQUEST = refuse('NO_REQUEST', 'There is no pending request from that user (it may have been answered already).');

/** Coming in: by email (added if a verified user holds it, else invited), invitations and their acceptance, requests to join a project. */
export const INVITATION_MUTATIONS = [
	// By email: adds the one verified user with that address, else invites it (rules §4).
	defineMutation('member.invite', {
		fields: { inviteId: Id, email: Email, role: OrgRole, teams: Teams },
		access: 'members.manage',
		sensitive: true,
		check: (state, ctx, m) => {
			const found = userByEmail(state, m.email);
			if (found && 'ok' in found) return found;
			if (found) return addMember(state, ctx, found, m.role, m.teams ?? []);
			const teams = [...new Set(m.teams)];
			const refusal = unknownTeam(state, teams);
			if (refusal) return refusal;
			if (state.invitation(m.inviteId)) return refuse('INVITATION_EXISTS', 'An invitation with this id already exists.');
			const replaced = replaceExpired(state.invitationByEmail(m.email), m.email, ctx.now, (inviteId) => ({
				kind: 'invitation.delete',
				inviteId
			}));
			if ('ok' in replaced) return replaced;
			const { inviteId: id, email, role } = m;
			const invitation = { id, email, role, teams, invitedBy: ctx.actorId, ...expiry(ctx.now) };
			return accept(...replaced, { kind: 'invitation.put', invitation });
		},
		describe: (m) => `Add or invite ${m.email} as ${ORG_ROLES[m.role].label}`
	}),

	defineMutation('member.cancelInvite', {
		fields: { inviteId: Id },
		access: 'members.manage',
		sensitive: true,
		check: (state, _c, m) => {
			if (!state.invitation(m.inviteId)) return NO_INVITATION;
			return accept({ kind: 'invitation.delete', inviteId: m.inviteId });
		},
		describe: (m, names) => `Cancel the invitation of ${names.invitation(m.inviteId)}`
	}),

	// rules §1: a pending invitee can already be placed in teams; it joins them on acceptance.
	defineMutation('team.addInvitee', {
		fields: { teamId: Id, inviteId: Id },
		access: 'teams.manage',
		sensitive: true,
		check: (state, _c, m) =>
			onTeam(state, m.teamId, (team) => {
				const invitation = state.invitation(m.inviteId);
				if (!invitation) return NO_INVITATION;
				if (invitation.teams.includes(team.id))
					return refuse('ALREADY_TEAM_MEMBER', `${invitation.email} is already placed in team ${team.name}.`);
				return accept({ kind: 'invitation.put', invitation: { ...invitation, teams: [...invitation.teams, team.id] } });
			}),
		describe: (m, names) => `Place ${names.invitation(m.inviteId)} in team ${names.team(m.teamId)}`
	}),

	defineMutation('team.removeInvitee', {
		fields: { teamId: Id, inviteId: Id },
		access: 'teams.manage',
		sensitive: true,
		check: (state, _c, m) => {
			const invitation = state.invitation(m.inviteId);
			if (!invitation) return NO_INVITATION;
			if (!invitation.teams.includes(m.teamId)) return refuse('NOT_TEAM_MEMBER', `${invitation.email} is not placed in that team.`);
			return accept({ kind: 'invitation.put', invitation: { ...invitation, teams: invitation.teams.filter((t) => t !== m.teamId) } });
		},
		describe: (m, names) => `Take ${names.invitation(m.inviteId)} out of team ${names.team(m.teamId)}`
	}),

	defineMutation('project.invite', {
		fields: { projectId: Id, inviteId: Id, email: Email, roles: ProjectRoles },
		access: 'project.manage',
		sensitive: true,
		check: (state, ctx, m) => {
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
		describe: (m, names) => `Add or invite ${m.email} to ${names.project(m.projectId)} as ${roleList(m.roles)}`
	}),

	defineMutation('project.cancelInvite', {
		fields: { projectId: Id, inviteId: Id },
		access: 'project.manage',
		sensitive: true,
		check: (state, _c, m) => {
			if (!state.project(m.projectId)!.invitation(m.inviteId)) return NO_INVITATION;
			return accept({ kind: 'projectInvitation.delete', projectId: m.projectId, inviteId: m.inviteId });
		},
		describe: (m, names) => `Cancel the invitation of ${names.invitation(m.inviteId, m.projectId)} to ${names.project(m.projectId)}`
	}),

	// Sent for a user whose verified email an invitation names (the server does so at verification and sign-in).
	// rules §4: the invitee gets the access the invitation holds, in one mutation; it need not be a member yet.
	defineMutation('invite.accept', {
		fields: { inviteId: Id, projectId: Id.optional() },
		access: 'invitee',
		sensitive: false,
		check: (state, ctx, m) => {
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
		},
		describe: (m, names) => `Accept the invitation${m.projectId ? ` to ${names.project(m.projectId)}` : ''}`
	}),

	// Asked from a link: an ORG_MEMBER sees only its own projects (rules §2).
	defineMutation('join.request', {
		fields: { projectId: Id },
		access: 'projects.participate',
		sensitive: false,
		check: (state, ctx, m, { actor }) => {
			const project = state.project(m.projectId);
			const meta = project?.project();
			if (!project || meta?.status !== 'active') return refuse('PROJECT_NOT_FOUND', 'That project does not exist or is closed.');
			if (project.userRoles(actor.userId)) return refuse('ALREADY_ASSIGNED', `You are already in project ${meta.name}.`);
			if (project.joinRequest(actor.userId)) return refuse('ALREADY_REQUESTED', `You have already asked to join ${meta.name}.`);
			const request = { userId: actor.userId, username: actor.username, email: actor.email, at: ctx.now };
			return accept({ kind: 'joinRequest.put', projectId: m.projectId, request });
		},
		describe: (m, names) => `Ask to join ${names.project(m.projectId)}`
	}),

	defineMutation('join.approve', {
		fields: { projectId: Id, userId: Id, roles: ProjectRoles },
		access: 'project.manage',
		sensitive: true,
		check: (state, _c, m) => {
			const project = state.project(m.projectId)!;
			if (!project.joinRequest(m.userId)) return NO_REQUEST;
			if (!state.member(m.userId)) return refuse('MEMBER_NOT_FOUND', 'The requester is no longer a member of this organization.');
			return accept(
				{ kind: 'joinRequest.delete', projectId: m.projectId, userId: m.userId },
				{ kind: 'projectUser.put', projectId: m.projectId, userId: m.userId, roles: m.roles }
			);
		},
		describe: (m, names) => `Let ${names.user(m.userId)} join ${names.project(m.projectId)} as ${roleList(m.roles)}`
	}),

	defineMutation('join.deny', {
		fields: { projectId: Id, userId: Id },
		access: 'project.manage',
		sensitive: false,
		check: (state, _c, m) => {
			if (!state.project(m.projectId)!.joinRequest(m.userId)) return NO_REQUEST;
			return accept({ kind: 'joinRequest.delete', projectId: m.projectId, userId: m.userId });
		},
		describe: (m, names) => `Turn down ${names.user(m.userId)}'s request to join ${names.project(m.projectId)}`
	})
] as const;
