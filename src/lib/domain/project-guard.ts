import { OverlayState } from './overlay.ts';
import { refuse, type Refusal } from './refusals.ts';
import type { Change, OrgState, ProjectState } from './state.ts';

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
