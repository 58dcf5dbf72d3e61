import { ORG_ROLES } from './roles.ts';
import type { ReplayState } from './history-state.ts';
import type { Moment } from './history.ts';
import { ProjectRole, type Organization, type OrgRole } from './schemas.ts';

/**
 * What an organization's access was at a moment (rules §2 "History"): its members with their role
 * and teams, its teams with their members, each project's assignments and everyone's effective
 * access there with where it comes from (as access.ts projectRoleSources answers it), and the
 * pending invitations. Plain data: what the history route answers and the exports write.
 */
export interface AccessReport {
	org: Pick<Organization, 'id' | 'name' | 'status' | 'primaryAdminId'> | null;
	moment: Moment;
	/** The last logged batch the report includes. */
	seq: number;
	/** When the history starts (the first timed batch); null: none is timed. */
	since: number | null;
	members: ReportMember[];
	teams: { id: string; name: string; members: Person[] }[];
	projects: ReportProject[];
	invitations: { id: string; email: string; role: OrgRole; teams: Named[]; expiresAt: number }[];
}

export interface Person {
	userId: string;
	username: string;
}

export interface Named {
	id: string;
	name: string;
}

export interface ReportMember extends Person {
	email: string;
	displayName: string;
	role: OrgRole;
	primaryAdmin: boolean;
	teams: Named[];
}

/** Where a person's roles in a project come from: its own assignment, a team's, or its organization role (owners). */
export type ReportSource =
	{ via: 'individual' | 'organization'; roles: ProjectRole[] } | { via: 'team'; team: Named; roles: ProjectRole[] };

export interface ReportProject {
	id: string;
	name: string;
	status: 'active' | 'closed';
	users: (Person & { roles: ProjectRole[] })[];
	teams: (Named & { roles: ProjectRole[] })[];
	/** Everyone with a role there, and from where. */
	access: (Person & { roles: ProjectRole[]; sources: ReportSource[] })[];
	invitations: { id: string; email: string; roles: ProjectRole[]; expiresAt: number }[];
}

const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);
const byUsername = <T extends Person>(a: T, b: T) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0);

/** The roles of every source, once each, in the roles' order. */
const union = (sources: readonly { roles: readonly ProjectRole[] }[]) =>
	ProjectRole.options.filter((r) => sources.some((s) => s.roles.includes(r)));

/** The report of a replayed state. Costs O(members + teams' members + projects' assignments and the members they reach). */
export function accessReport(state: ReplayState, meta: { moment: Moment; seq: number; since: number | null }): AccessReport {
	const org = state.org();
	const team = (id: string): Named => ({ id, name: state.team(id)?.name ?? id });
	const person = (userId: string): Person => ({ userId, username: state.member(userId)?.username ?? userId });
	const members = state
		.members()
		.map((m) => ({
			userId: m.userId,
			username: m.username,
			email: m.email,
			displayName: m.displayName,
			role: m.role,
			primaryAdmin: m.userId === org?.primaryAdminId,
			teams: state.teamsOf(m.userId).map(team).sort(byName)
		}))
		.sort(byUsername);
	const implicit = members.filter((m) => ORG_ROLES[m.role].implicitProjectRoles.length);
	const projects = state.projectIds().flatMap((projectId): ReportProject[] => {
		const project = state.project(projectId)!;
		const meta = project.project();
		if (!meta) return [];
		const users = project.users().filter((a) => state.member(a.userId));
		const teams = project.teams().filter((a) => state.team(a.teamId));
		const sources = new Map<string, ReportSource[]>();
		const add = (userId: string, source: ReportSource) => sources.set(userId, [...(sources.get(userId) ?? []), source]);
		for (const m of implicit) add(m.userId, { via: 'organization', roles: [...ORG_ROLES[m.role].implicitProjectRoles] });
		for (const a of users) add(a.userId, { via: 'individual', roles: a.roles });
		for (const a of teams)
			for (const userId of state.teamMemberIds(a.teamId)) add(userId, { via: 'team', team: team(a.teamId), roles: a.roles });
		return [
			{
				id: projectId,
				name: meta.name,
				status: meta.status,
				users: users.map((a) => ({ ...person(a.userId), roles: a.roles })).sort(byUsername),
				teams: teams.map((a) => ({ ...team(a.teamId), roles: a.roles })).sort(byName),
				access: [...sources]
					.filter(([userId]) => state.member(userId))
					.map(([userId, s]) => ({ ...person(userId), roles: union(s), sources: s }))
					.sort(byUsername),
				invitations: project.invitations().map((i) => ({ id: i.id, email: i.email, roles: i.roles, expiresAt: i.expiresAt }))
			}
		];
	});
	return {
		org: org ? { id: org.id, name: org.name, status: org.status, primaryAdminId: org.primaryAdminId } : null,
		...meta,
		members,
		teams: state
			.teams()
			.map((t) => ({ id: t.id, name: t.name, members: state.teamMemberIds(t.id).map(person).sort(byUsername) }))
			.sort(byName),
		projects: projects.sort(byName),
		invitations: state
			.invitations()
			.map((i) => ({ id: i.id, email: i.email, role: i.role, teams: i.teams.map(team), expiresAt: i.expiresAt }))
			.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0))
	};
}
