import {
	ORG_ROLES,
	PROJECT_ROLES,
	invitationStatus,
	mayAttempt,
	projectRoleSources,
	type Deployment,
	type InvitationStatus,
	type JoinRequest,
	type RoleSource,
	type Project,
	type ProjectRole
} from '../domain/index.ts';
import type { OrgModel } from './org-model.svelte.ts';

export interface ProjectUserRow {
	userId: string;
	username: string;
	email: string;
	/** Its own assignment, if any: what can be edited or removed here. */
	individual: ProjectRole[] | undefined;
	/** The roles it holds another way, each saying why ("via team Ops", "as Organization Owner"). */
	inherited: { via: string; roles: ProjectRole[] }[];
	pending: boolean;
}

export interface ProjectTeamRow {
	teamId: string;
	name: string;
	roles: ProjectRole[];
	memberCount: number;
	pending: boolean;
}

export interface ProjectInvitationRow {
	id: string;
	email: string;
	roles: ProjectRole[];
	status: InvitationStatus;
	expiresAt: number;
	pending: boolean;
	cancelling: boolean;
}

export interface DeploymentRow extends Deployment {
	pending: boolean;
}

export interface ProjectView {
	project: Project;
	users: ProjectUserRow[];
	teams: ProjectTeamRow[];
	/** Pending and expired invitations, oldest first: listed after the users. */
	invitations: ProjectInvitationRow[];
	/** Join requests, oldest first: listed after the invitations (rules §4's order). */
	requests: JoinRequest[];
	/** Active deployments first, newest first; then deleted ones. */
	deployments: DeploymentRow[];
	mayManage: boolean;
	mayDeploy: boolean;
}

export const roleLabels = (roles: readonly ProjectRole[]) => roles.map((r) => PROJECT_ROLES[r].label).join(', ');

/**
 * A project's users and teams, pending changes included, each user saying where its roles come from.
 * Read in a reactive context, it runs again only when the project's document or what it reads of
 * the organization (members, teams) changes: O(the project's users), never O(the organization).
 */
export function projectView(model: OrgModel, projectId: string, actorId: string): ProjectView | undefined {
	const state = model.tracked(`project:${projectId}`, 'org', 'members', 'teams', 'teamMembers');
	const project = state.project(projectId);
	const meta = project?.project();
	if (!project || !meta) return undefined;
	const teamName = (teamId: string) => state.team(teamId)?.name ?? 'a deleted team';
	const teamIds = project.assignedTeams();
	const userIds = new Set([...project.assignedUsers(), ...teamIds.flatMap((t) => state.teamMemberIds(t))]);
	const users = [...userIds].flatMap((userId): ProjectUserRow[] => {
		const member = state.member(userId);
		if (!member) return [];
		const source = (via: Exclude<RoleSource['via'], 'individual'>) =>
			via === 'organization' ? `as ${ORG_ROLES[member.role].label}` : `via team ${teamName(via.teamId)}`;
		const inherited = projectRoleSources(state, projectId, userId).flatMap((s) =>
			s.via === 'individual' ? [] : [{ via: source(s.via), roles: s.roles }]
		);
		return [
			{
				userId,
				username: member.username,
				email: member.email,
				individual: project.userRoles(userId),
				inherited,
				pending: state.pending('projectUser', projectId).has(userId)
			}
		];
	});
	users.sort((a, b) => (a.username < b.username ? -1 : 1));
	const teams = teamIds
		.map((teamId) => ({
			teamId,
			name: teamName(teamId),
			roles: project.teamRoles(teamId) ?? [],
			memberCount: state.teamMemberCount(teamId),
			pending: state.pending('projectTeam', projectId).has(teamId)
		}))
		.sort((a, b) => a.name.localeCompare(b.name));
	const requests = project.joinRequests().sort((a, b) => a.at - b.at);
	const now = Date.now();
	const touched = state.pending('projectInvitation', projectId);
	// The base's invitations too, so a cancellation not yet saved still shows (struck through).
	const all = new Map(project.invitations().map((i) => [i.id, i]));
	for (const [id, invitation] of touched) {
		const was = invitation ? undefined : state.base.project(projectId)?.invitation(id);
		if (was) all.set(id, was);
	}
	const invitations = [...all.values()]
		.map((i) => ({
			id: i.id,
			email: i.email,
			roles: i.roles,
			status: invitationStatus(i, now),
			expiresAt: i.expiresAt,
			pending: touched.has(i.id),
			cancelling: touched.get(i.id) === null
		}))
		.sort((a, b) => a.expiresAt - b.expiresAt);
	const deployments = project
		.deployments()
		.map((d) => ({ ...d, pending: state.pending('deployment', projectId).has(d.id) }))
		.sort((a, b) => +(a.status !== 'active') - +(b.status !== 'active') || b.createdAt - a.createdAt);
	return {
		project: meta,
		users,
		teams,
		invitations,
		requests,
		deployments,
		mayManage: mayAttempt(state, actorId, 'project.addUser', projectId),
		mayDeploy: mayAttempt(state, actorId, 'deployment.create', projectId)
	};
}
