import * as Y from 'yjs';
import { EmailIndex } from './doc-indexes.ts';
import type { Deployment, JoinRequest, Project, ProjectInvitation, ProjectRole } from './schemas.ts';
import type { ProjectState } from './state.ts';

export interface UserAssignment {
	userId: string;
	roles: ProjectRole[];
}
export interface TeamAssignment {
	teamId: string;
	roles: ProjectRole[];
}

/** Layout of a project's Y.Doc: meta.project, users (userId → roles), teams (teamId → roles), join requests, invitations. */
export function projectMaps(doc: Y.Doc) {
	return {
		meta: doc.getMap<Project>('meta'),
		users: doc.getMap<UserAssignment>('users'),
		teams: doc.getMap<TeamAssignment>('teams'),
		requests: doc.getMap<JoinRequest>('requests'),
		invitations: doc.getMap<ProjectInvitation>('invitations'),
		deployments: doc.getMap<Deployment>('deployments')
	};
}

/** Whether a set of project roles makes its holder an owner (invariant 5 counts these). */
export function ownsProject(roles: readonly ProjectRole[] | null | undefined): boolean {
	return roles?.includes('PROJECT_OWNER') ?? false;
}
const isOwner = (a: { roles: ProjectRole[] } | undefined) => ownsProject(a?.roles);

/** ProjectState over a project's Y.Doc, its owner counts kept by observing the assignment maps. */
export class ProjectDocState implements ProjectState {
	readonly doc: Y.Doc;
	private readonly owners = new Set<string>();
	private readonly owningTeams = new Set<string>();
	private readonly invitationsByEmail = new EmailIndex();
	private readonly activeDeployments = new Set<string>();
	/** Told when the project gains its first or loses its last active deployment. */
	onDeploymentsChange: (hasActive: boolean) => void = () => {};

	constructor(doc: Y.Doc) {
		this.doc = doc;
		const { users, teams, invitations, deployments } = projectMaps(doc);
		this.invitationsByEmail.watch(invitations);
		for (const d of deployments.values()) if (d.status === 'active') this.activeDeployments.add(d.id);
		deployments.observe((event) => {
			const had = this.activeDeployments.size > 0;
			for (const key of event.keysChanged) {
				if (deployments.get(key)?.status === 'active') this.activeDeployments.add(key);
				else this.activeDeployments.delete(key);
			}
			if (had !== this.activeDeployments.size > 0) this.onDeploymentsChange(!had);
		});
		for (const a of users.values()) if (isOwner(a)) this.owners.add(a.userId);
		for (const a of teams.values()) if (isOwner(a)) this.owningTeams.add(a.teamId);
		users.observe((event) => {
			for (const key of event.keysChanged) {
				if (isOwner(users.get(key))) this.owners.add(key);
				else this.owners.delete(key);
			}
		});
		teams.observe((event) => {
			for (const key of event.keysChanged) {
				if (isOwner(teams.get(key))) this.owningTeams.add(key);
				else this.owningTeams.delete(key);
			}
		});
	}

	project() {
		return projectMaps(this.doc).meta.get('project');
	}
	userRoles(userId: string) {
		return projectMaps(this.doc).users.get(userId)?.roles;
	}
	teamRoles(teamId: string) {
		return projectMaps(this.doc).teams.get(teamId)?.roles;
	}
	users(): UserAssignment[] {
		return [...projectMaps(this.doc).users.values()];
	}
	teams(): TeamAssignment[] {
		return [...projectMaps(this.doc).teams.values()];
	}
	assignmentCount() {
		const { users, teams } = projectMaps(this.doc);
		return users.size + teams.size;
	}
	individualOwnerCount() {
		return this.owners.size;
	}
	ownerTeams() {
		return [...this.owningTeams];
	}
	assignedUsers() {
		return [...projectMaps(this.doc).users.keys()];
	}
	assignedTeams() {
		return [...projectMaps(this.doc).teams.keys()];
	}
	joinRequest(userId: string) {
		return projectMaps(this.doc).requests.get(userId);
	}
	joinRequests() {
		return [...projectMaps(this.doc).requests.values()];
	}
	invitation(inviteId: string) {
		return projectMaps(this.doc).invitations.get(inviteId);
	}
	invitationByEmail(email: string) {
		return this.invitation(this.invitationsByEmail.get(email) ?? '');
	}
	invitations() {
		return [...projectMaps(this.doc).invitations.values()];
	}
	deployment(deploymentId: string) {
		return projectMaps(this.doc).deployments.get(deploymentId);
	}
	deployments() {
		return [...projectMaps(this.doc).deployments.values()];
	}
	activeDeploymentCount() {
		return this.activeDeployments.size;
	}
}
