import type { MutationType } from './mutations.ts';
import { OverlayState } from './overlay.ts';
import { refuse, type Refusal } from './refusals.ts';
import { memberOf } from './members.ts';
import type { ProjectRole, UserProfile } from './schemas.ts';
import type { Change, CheckContext, OrgState, ProjectState } from './state.ts';
import { accept, type Handler, type Verdict } from './verdict.ts';

type ProjectType = Exclude<Extract<MutationType, `project.${string}` | `join.${string}`>, 'project.invite' | 'project.cancelInvite'>;

/** SPEC §4: adding an existing user to a project brings it into the organization as a member. */
export function addToProject(state: OrgState, ctx: CheckContext, projectId: string, user: UserProfile, roles: ProjectRole[]): Verdict {
	if (state.project(projectId)?.userRoles(user.id)) {
		return refuse('ALREADY_ASSIGNED', `${user.username} is already in this project: edit their roles instead.`);
	}
	const changes: Change[] = [{ kind: 'projectUser.put', projectId, userId: user.id, roles }];
	if (!state.member(user.id)) changes.unshift({ kind: 'member.put', member: memberOf(user, 'ORG_MEMBER', ctx.now) });
	return accept(...changes);
}

const NOT_ASSIGNED = refuse('NOT_ASSIGNED', 'That user or team is not assigned to this project.');

/** Handlers of project mutations; authorization has already checked the actor's project roles. */
export const PROJECT_HANDLERS: { [T in ProjectType]: Handler<T> } = {
	'project.create': (state, ctx, m, { org }) => {
		if (state.project(m.projectId)?.project()) return refuse('PROJECT_EXISTS', 'A project with this id already exists.');
		return accept(
			{ kind: 'project.put', project: { id: m.projectId, orgId: org.id, name: m.name, status: 'active', createdAt: ctx.now } },
			{ kind: 'projectUser.put', projectId: m.projectId, userId: ctx.actorId, roles: ['PROJECT_OWNER'] }
		);
	},

	'project.addUser': (state, ctx, m) => {
		const user = state.userByUsername(m.username);
		if (!user) return refuse('USER_NOT_FOUND', `No Roster user is called “${m.username}”.`);
		return addToProject(state, ctx, m.projectId, user, m.roles);
	},

	'project.addTeam': (state, _c, m) => {
		const team = state.team(m.teamId);
		if (!team) return refuse('TEAM_NOT_FOUND', 'That team does not exist in this organization.');
		if (state.project(m.projectId)?.teamRoles(team.id)) {
			return refuse('ALREADY_ASSIGNED', `Team ${team.name} is already in this project: edit its roles instead.`);
		}
		return accept({ kind: 'projectTeam.put', projectId: m.projectId, teamId: team.id, roles: m.roles });
	},

	'project.setUserRoles': (state, _c, m) => {
		if (!state.project(m.projectId)?.userRoles(m.userId)) return NOT_ASSIGNED;
		return accept({ kind: 'projectUser.put', projectId: m.projectId, userId: m.userId, roles: m.roles });
	},

	'project.setTeamRoles': (state, _c, m) => {
		if (!state.project(m.projectId)?.teamRoles(m.teamId)) return NOT_ASSIGNED;
		return accept({ kind: 'projectTeam.put', projectId: m.projectId, teamId: m.teamId, roles: m.roles });
	},

	'project.removeUser': (state, _c, m) => {
		if (!state.project(m.projectId)?.userRoles(m.userId)) return NOT_ASSIGNED;
		return accept({ kind: 'projectUser.delete', projectId: m.projectId, userId: m.userId });
	},

	'project.removeTeam': (state, _c, m) => {
		if (!state.project(m.projectId)?.teamRoles(m.teamId)) return NOT_ASSIGNED;
		return accept({ kind: 'projectTeam.delete', projectId: m.projectId, teamId: m.teamId });
	},

	'project.close': (state, _c, m) => {
		const project = state.project(m.projectId)!.project()!;
		const active = state.project(m.projectId)!.activeDeploymentCount();
		if (active > 0) {
			return refuse('PROJECT_HAS_DEPLOYMENTS', `Project ${project.name} has ${active} active deployment${active === 1 ? '' : 's'}: delete them before closing it.`);
		}
		return accept({ kind: 'project.put', project: { ...project, status: 'closed' } });
	},

	'join.request': (state, ctx, m, { actor }) => {
		const project = state.project(m.projectId);
		const meta = project?.project();
		if (!project || meta?.status !== 'active') return refuse('PROJECT_NOT_FOUND', 'That project does not exist or is closed.');
		if (project.userRoles(actor.userId)) return refuse('ALREADY_ASSIGNED', `You are already in project ${meta.name}.`);
		if (project.joinRequest(actor.userId)) return refuse('ALREADY_REQUESTED', `You have already asked to join ${meta.name}.`);
		const request = { userId: actor.userId, username: actor.username, email: actor.email, at: ctx.now };
		return accept({ kind: 'joinRequest.put', projectId: m.projectId, request });
	},

	'join.approve': (state, _c, m) => {
		const project = state.project(m.projectId)!;
		if (!project.joinRequest(m.userId)) return NO_REQUEST;
		if (!state.member(m.userId)) return refuse('MEMBER_NOT_FOUND', 'The requester is no longer a member of this organization.');
		return accept(
			{ kind: 'joinRequest.delete', projectId: m.projectId, userId: m.userId },
			{ kind: 'projectUser.put', projectId: m.projectId, userId: m.userId, roles: m.roles }
		);
	},

	'join.deny': (state, _c, m) => {
		if (!state.project(m.projectId)!.joinRequest(m.userId)) return NO_REQUEST;
		return accept({ kind: 'joinRequest.delete', projectId: m.projectId, userId: m.userId });
	}
};

const NO_REQUEST = refuse('NO_REQUEST', 'There is no pending request from that user (it may have been answered already).');

/**
 * Projects whose members or owners a set of changes could take away, found by index.
 * A team that keeps a member keeps granting what it granted, so only teams the changes
 * empty bring in their projects: removing one of many members checks no project.
 */
function affectedProjects(state: OrgState, after: OrgState, changes: readonly Change[]): Set<string> {
	const ids = new Set<string>();
	const teams = new Set<string>();
	for (const c of changes) {
		if (c.kind === 'projectUser.delete' || c.kind === 'projectUser.put') ids.add(c.projectId);
		else if (c.kind === 'projectTeam.delete' || c.kind === 'projectTeam.put') ids.add(c.projectId);
		else if (c.kind === 'teamMember.delete' || c.kind === 'team.delete') teams.add(c.teamId);
	}
	for (const teamId of teams) {
		if (after.teamMemberCount(teamId) > 0) continue;
		for (const p of state.projectsOfTeam(teamId)) ids.add(p);
	}
	return ids;
}

/** The kinds of change that can take a member or an owner away from a project. */
const GUARDED = new Set<Change['kind']>([
	'projectUser.put',
	'projectUser.delete',
	'projectTeam.put',
	'projectTeam.delete',
	'teamMember.delete',
	'team.delete'
]);

function hasOwner(state: OrgState, project: ProjectState): boolean {
	return project.individualOwnerCount() > 0 || project.ownerTeams().some((t) => state.teamMemberCount(t) > 0);
}

/**
 * Invariants 4 and 5 on every path at once: whatever the mutation, each active project
 * it touches must keep a member and an owner once its changes are applied.
 */
export function guardProjects(state: OrgState, changes: readonly Change[]): Refusal | undefined {
	if (!changes.some((c) => GUARDED.has(c.kind))) return undefined;
	const after = new OverlayState(state);
	after.apply(changes);
	const affected = affectedProjects(state, after, changes);
	for (const projectId of affected) {
		const project = after.project(projectId);
		const meta = project?.project();
		if (!project || meta?.status !== 'active') continue;
		if (project.assignmentCount() === 0) {
			return refuse('LAST_PROJECT_MEMBER', `Project ${meta.name} would have no members left: close the project instead.`);
		}
		if (!hasOwner(after, project)) {
			return refuse('LAST_PROJECT_OWNER', `Project ${meta.name} would have no owner: add another owner first.`);
		}
	}
	return undefined;
}
