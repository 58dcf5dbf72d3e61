import { withoutExpiry } from './expiry.ts';
import { memberOf } from './members.ts';
import type { OrgRole, OrgSso, ProjectRole, UserProfile } from './schemas.ts';
import type { Change, OrgState } from './state.ts';

/** What a person's provider groups give in one organization (rules §2 single sign-on). */
export interface SsoTarget {
	role: OrgRole;
	teams: ReadonlySet<string>;
	/** Project id → the project roles (sorted as ProjectRoles keeps them). */
	projects: ReadonlyMap<string, ProjectRole[]>;
}

const PROJECT_ROLE_ORDER: readonly ProjectRole[] = ['PROJECT_OWNER', 'PROJECT_CLUSTER_MANAGER', 'PROJECT_READ_ONLY'];

/**
 * The target from the groups: the first matching grant's role (the primary admin orders them),
 * the union of every matching grant's teams and project roles. Without a matching grant the default
 * role and nothing else, or no access at all (undefined) when there is no default role.
 */
export function ssoTarget(sso: OrgSso, groups: readonly string[]): SsoTarget | undefined {
	const held = new Set(groups.map((g) => g.trim()));
	const matching = sso.grants.filter((g) => held.has(g.group));
	const [first] = matching;
	if (!first) return sso.defaultRole ? { role: sso.defaultRole, teams: new Set(), projects: new Map() } : undefined;
	const teams = new Set(matching.flatMap((g) => g.teams));
	const roles = new Map<string, Set<ProjectRole>>();
	for (const { projectId, roles: granted } of matching.flatMap((g) => g.projects)) {
		const set = roles.get(projectId) ?? new Set();
		for (const r of granted) set.add(r);
		roles.set(projectId, set);
	}
	const projects = new Map([...roles].map(([id, set]) => [id, PROJECT_ROLE_ORDER.filter((r) => set.has(r))]));
	return { role: first.role, teams, projects };
}

/** The teams and projects the mapping speaks for: only these are taken away when a group is lost; others are left as set by hand. */
export function ssoManaged(sso: OrgSso): { teams: ReadonlySet<string>; projects: ReadonlySet<string> } {
	return {
		teams: new Set(sso.grants.flatMap((g) => g.teams)),
		projects: new Set(sso.grants.flatMap((g) => g.projects.map((p) => p.projectId)))
	};
}

const sameRoles = (a: readonly ProjectRole[] | undefined, b: readonly ProjectRole[]) =>
	!!a && a.length === b.length && a.every((r, i) => r === b[i]);

/**
 * The changes that bring a member (or a newcomer) in line with its target, leaving the
 * organization aside (member.ts's leave changes answer for that). Teams and projects that no
 * longer exist, or a closed project, are skipped: the mapping names them, the organization decides.
 */
export function ssoChanges(state: OrgState, sso: OrgSso, user: UserProfile, target: SsoTarget, now: number): Change[] {
	const changes: Change[] = [];
	const member = state.member(user.id);
	if (!member) changes.push({ kind: 'member.put', member: memberOf(user, target.role, now) });
	else if (member.role !== target.role) changes.push({ kind: 'member.put', member: { ...withoutExpiry(member), role: target.role } });
	const managed = ssoManaged(sso);
	for (const teamId of managed.teams) {
		const wanted = target.teams.has(teamId);
		const inTeam = state.isTeamMember(teamId, user.id);
		if (wanted && !inTeam && state.team(teamId)) changes.push({ kind: 'teamMember.put', teamId, userId: user.id });
		if (!wanted && inTeam) changes.push({ kind: 'teamMember.delete', teamId, userId: user.id });
	}
	for (const projectId of managed.projects) {
		const project = state.project(projectId);
		if (project?.project()?.status !== 'active') continue;
		const held = project.userRoles(user.id);
		const wanted = target.projects.get(projectId);
		if (wanted && !sameRoles(held, wanted)) changes.push({ kind: 'projectUser.put', projectId, userId: user.id, roles: wanted });
		if (!wanted && held) changes.push({ kind: 'projectUser.delete', projectId, userId: user.id });
	}
	return changes;
}
