import { ORG_ROLES } from './roles.ts';
import type { ReplayState } from './history-state.ts';
import { ProjectRole, type Organization, type OrgRole } from './schemas.ts';

/** A moment: a time (every batch committed at or before it), or a sequence (`entries`: only that many of its batch's entries). */
export type Moment = { at: number } | { seq: number; entries?: number };

/**
 * What an organization's access was at a moment (rules §2 "History"): its members with their role
 * and teams, its teams with their members, each project's assignments, and the pending invitations.
 * Plain data, people and teams named by id once (a 10,000-member organization's report stays a
 * couple of megabytes); everyone's effective access in a project, with where it comes from, follows
 * from it (projectAccess, as access.ts projectRoleSources answers it for a live state).
 */
export interface AccessReport {
	org: Pick<Organization, 'id' | 'name' | 'status' | 'primaryAdminId'> | null;
	moment: Moment;
	/** The last logged batch the report includes. */
	seq: number;
	/** When the history starts (the first timed batch); null: none is timed. */
	since: number | null;
	members: ReportMember[];
	teams: { id: string; name: string; members: string[] }[];
	projects: ReportProject[];
	invitations: { id: string; email: string; role: OrgRole; teams: string[]; expiresAt: number }[];
}

export interface ReportMember {
	userId: string;
	username: string;
	email: string;
	displayName: string;
	role: OrgRole;
	primaryAdmin: boolean;
	/** Team ids. */
	teams: string[];
}

export interface ReportProject {
	id: string;
	name: string;
	status: 'active' | 'closed';
	users: { userId: string; roles: ProjectRole[] }[];
	teams: { teamId: string; roles: ProjectRole[] }[];
	invitations: { id: string; email: string; roles: ProjectRole[]; expiresAt: number }[];
}

/** Where a person's roles in a project come from: its own assignment, a team's, or its organization role (owners). */
export type ReportSource =
	{ via: 'individual' | 'organization'; roles: ProjectRole[] } | { via: 'team'; teamId: string; roles: ProjectRole[] };

export interface ProjectAccess {
	userId: string;
	roles: ProjectRole[];
	sources: ReportSource[];
}

/** The roles of every source, once each, in the roles' order. */
const union = (sources: readonly ReportSource[]) => ProjectRole.options.filter((r) => sources.some((s) => s.roles.includes(r)));

const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);
const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The report of a replayed state. Costs O(members + team memberships + assignments). */
export function accessReport(state: ReplayState, meta: { moment: Moment; seq: number; since: number | null }): AccessReport {
	const org = state.org();
	const members = state
		.members()
		.map((m) => ({
			userId: m.userId,
			username: m.username,
			email: m.email,
			displayName: m.displayName,
			role: m.role,
			primaryAdmin: m.userId === org?.primaryAdminId,
			teams: state.teamsOf(m.userId)
		}))
		.sort((a, b) => byKey(a.username, b.username));
	const projects = state.projectIds().flatMap((projectId): ReportProject[] => {
		const project = state.project(projectId)!;
		const meta = project.project();
		if (!meta) return [];
		return [
			{
				id: projectId,
				name: meta.name,
				status: meta.status,
				users: project.users().filter((a) => state.member(a.userId)),
				teams: project.teams().filter((a) => state.team(a.teamId)),
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
			.map((t) => ({ id: t.id, name: t.name, members: state.teamMemberIds(t.id) }))
			.sort(byName),
		projects: projects.sort(byName),
		invitations: state
			.invitations()
			.map((i) => ({ id: i.id, email: i.email, role: i.role, teams: i.teams, expiresAt: i.expiresAt }))
			.sort((a, b) => byKey(a.email, b.email))
	};
}

/** A report's people and teams by id, read once for every project's access. */
export class ReportIndex {
	readonly member: ReadonlyMap<string, ReportMember>;
	readonly team: ReadonlyMap<string, AccessReport['teams'][number]>;
	private readonly implicit: ReportMember[];

	constructor(readonly report: AccessReport) {
		this.member = new Map(report.members.map((m) => [m.userId, m]));
		this.team = new Map(report.teams.map((t) => [t.id, t]));
		this.implicit = report.members.filter((m) => ORG_ROLES[m.role].implicitProjectRoles.length);
	}

	username = (userId: string) => this.member.get(userId)?.username ?? userId;
	teamName = (teamId: string) => this.team.get(teamId)?.name ?? teamId;

	/** One person's roles in the project then, and from where (as projectAccess lists them); undefined: none. */
	accessOf(p: ReportProject, userId: string): ProjectAccess | undefined {
		const m = this.member.get(userId);
		if (!m) return undefined;
		const implicit = ORG_ROLES[m.role].implicitProjectRoles;
		const own = p.users.find((a) => a.userId === userId);
		const sources: ReportSource[] = [
			...(implicit.length ? [{ via: 'organization' as const, roles: [...implicit] }] : []),
			...(own ? [{ via: 'individual' as const, roles: own.roles }] : []),
			...p.teams.filter((a) => m.teams.includes(a.teamId)).map((a) => ({ via: 'team' as const, teamId: a.teamId, roles: a.roles }))
		];
		return sources.length ? { userId, roles: union(sources), sources } : undefined;
	}

	/** Everyone with a role in the project then, and from where (organization role, own assignment, each team), by username. */
	projectAccess(p: ReportProject): ProjectAccess[] {
		const sources = new Map<string, ReportSource[]>();
		const add = (userId: string, source: ReportSource) => {
			if (!this.member.has(userId)) return;
			const list = sources.get(userId);
			if (list) list.push(source);
			else sources.set(userId, [source]);
		};
		for (const m of this.implicit) add(m.userId, { via: 'organization', roles: [...ORG_ROLES[m.role].implicitProjectRoles] });
		for (const a of p.users) add(a.userId, { via: 'individual', roles: a.roles });
		for (const a of p.teams)
			for (const userId of this.team.get(a.teamId)?.members ?? []) add(userId, { via: 'team', teamId: a.teamId, roles: a.roles });
		return [...sources]
			.map(([userId, s]) => ({ userId, roles: union(s), sources: s }))
			.sort((a, b) => byKey(this.username(a.userId), this.username(b.userId)));
	}
}
