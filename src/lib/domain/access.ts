import { ORG_ROLES, roleMay } from './roles.ts';
import type { ProjectRole } from './schemas.ts';
import type { OrgState } from './state.ts';

export interface RoleSource {
	/** 'individual', or the id of the team that grants the roles, or 'organization' for owners. */
	via: 'individual' | 'organization' | { teamId: string };
	roles: ProjectRole[];
}

/**
 * Where a user's project roles come from: its own assignment, each assigned team it
 * is in, and organization ownership (an implicit project owner). Costs O(user's teams).
 */
export function projectRoleSources(state: OrgState, projectId: string, userId: string): RoleSource[] {
	const project = state.project(projectId);
	const member = state.member(userId);
	if (!project || !member) return [];
	const sources: RoleSource[] = [];
	const implicit = ORG_ROLES[member.role].implicitProjectRoles;
	if (implicit.length) sources.push({ via: 'organization', roles: [...implicit] });
	const own = project.userRoles(userId);
	if (own) sources.push({ via: 'individual', roles: own });
	for (const teamId of state.teamsOf(userId)) {
		const roles = project.teamRoles(teamId);
		if (roles) sources.push({ via: { teamId }, roles });
	}
	return sources;
}

/** The union of a user's project roles from every source. */
export function effectiveProjectRoles(state: OrgState, projectId: string, userId: string): ProjectRole[] {
	const all = new Set(projectRoleSources(state, projectId, userId).flatMap((s) => s.roles));
	return [...all];
}

/** rules §2: owners and read-only members read every project; anyone else only those that give it a role. */
export function canReadProject(state: OrgState, projectId: string, userId: string): boolean {
	const member = state.member(userId);
	if (!member || !state.project(projectId)?.project()) return false;
	return roleMay(member.role, 'projects.readAll') || effectiveProjectRoles(state, projectId, userId).length > 0;
}
