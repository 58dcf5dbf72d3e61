import { refuse, type Refusal } from '../refusals.ts';
import { Id, TeamName, type Team } from '../schemas.ts';
import type { Change, OrgState } from '../state.ts';
import { accept, displayName as name, type Verdict } from '../verdict.ts';
import { defineMutation } from './define.ts';

const TEAM_NOT_FOUND = refuse('TEAM_NOT_FOUND', 'That team does not exist (it may have just been deleted).');

/** The named team's rule, or the one refusal for a team that is gone (it may have been deleted meanwhile). */
export function onTeam(state: OrgState, teamId: string, rule: (team: Team) => Verdict): Verdict {
	const team = state.team(teamId);
	return team ? rule(team) : TEAM_NOT_FOUND;
}

/** rules §1: team names are unique in the organization, trimmed and case-insensitive. */
function uniqueTeamName(state: OrgState, teamName: string, self?: string): Refusal | undefined {
	const other = state.teamByName(teamName);
	if (other && other.id !== self) return refuse('TEAM_NAME_TAKEN', `There is already a team called “${other.name}”.`);
	return undefined;
}

/** Teams and their members; placing invitees in teams is in invitations.ts. */
export const TEAM_MUTATIONS = [
	defineMutation('team.create', {
		fields: { teamId: Id, name: TeamName },
		access: 'teams.manage',
		sensitive: false,
		check: (state, ctx, m) => {
			if (state.team(m.teamId)) return refuse('TEAM_EXISTS', 'A team with this id already exists.');
			return uniqueTeamName(state, m.name) ?? accept({ kind: 'team.put', team: { id: m.teamId, name: m.name, createdAt: ctx.now } });
		},
		describe: (m) => `Create team “${m.name}”`
	}),

	defineMutation('team.rename', {
		fields: { teamId: Id, name: TeamName },
		access: 'teams.manage',
		sensitive: false,
		check: (state, _c, m) =>
			onTeam(
				state,
				m.teamId,
				(team) => uniqueTeamName(state, m.name, team.id) ?? accept({ kind: 'team.put', team: { ...team, name: m.name } })
			),
		describe: (m, names) => `Rename team ${names.team(m.teamId)} to “${m.name}”`
	}),

	defineMutation('team.delete', {
		fields: { teamId: Id },
		access: 'teams.manage',
		sensitive: true,
		// Invariant 6: deleting a team also removes its project assignments, and the invitations placing someone in it forget it.
		check: (state, _c, m) =>
			onTeam(state, m.teamId, () =>
				accept(
					...state.teamMemberIds(m.teamId).map((userId): Change => ({ kind: 'teamMember.delete', teamId: m.teamId, userId })),
					...state.projectsOfTeam(m.teamId).map((projectId): Change => ({ kind: 'projectTeam.delete', projectId, teamId: m.teamId })),
					...state.invitationsOfTeam(m.teamId).flatMap((inviteId): Change[] => {
						const invitation = state.invitation(inviteId);
						return invitation
							? [{ kind: 'invitation.put', invitation: { ...invitation, teams: invitation.teams.filter((t) => t !== m.teamId) } }]
							: [];
					}),
					{ kind: 'team.delete', teamId: m.teamId }
				)
			),
		describe: (m, names) => `Delete team ${names.team(m.teamId)}`
	}),

	defineMutation('team.addMember', {
		fields: { teamId: Id, userId: Id },
		access: 'teams.manage',
		sensitive: true,
		check: (state, _c, m) =>
			onTeam(state, m.teamId, (team) => {
				// Invariant 3: a team holds members of its organization only.
				const member = state.member(m.userId);
				if (!member) return refuse('MEMBER_NOT_FOUND', 'Only members of this organization can join its teams.');
				if (state.isTeamMember(team.id, m.userId)) {
					return refuse('ALREADY_TEAM_MEMBER', `${name(member)} is already in team ${team.name}.`);
				}
				return accept({ kind: 'teamMember.put', teamId: team.id, userId: m.userId });
			}),
		describe: (m, names) => `Add ${names.user(m.userId)} to team ${names.team(m.teamId)}`
	}),

	defineMutation('team.removeMember', {
		fields: { teamId: Id, userId: Id },
		access: 'teams.manage',
		sensitive: true,
		check: (state, _c, m) =>
			onTeam(state, m.teamId, (team) =>
				state.isTeamMember(team.id, m.userId)
					? accept({ kind: 'teamMember.delete', teamId: team.id, userId: m.userId })
					: refuse('NOT_TEAM_MEMBER', `That user is not in team ${team.name}.`)
			),
		describe: (m, names) => `Remove ${names.user(m.userId)} from team ${names.team(m.teamId)}`
	})
] as const;
