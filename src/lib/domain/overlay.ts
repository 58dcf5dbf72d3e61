import { teamMemberKey } from './org-doc.ts';
import { ownsProject } from './project-doc.ts';
import {
	emailKey,
	teamNameKey,
	type BillingInfo,
	type Card,
	type ContactKind,
	type Deployment,
	type JoinRequest,
	type Member,
	type OrgInvitation,
	type Organization,
	type Project,
	type ProjectInvitation,
	type ProjectRole,
	type Team
} from './schemas.ts';
import type { BillingState, Change, OrgState, ProjectState } from './state.ts';

interface Touched<K extends string> {
	projectId: string;
	id: string;
	kind: K;
	roles: ProjectRole[] | null;
}

/**
 * Pending changes laid over a synced state, never written into it: the client shows
 * this, and checks each further pending mutation against it. Reads cost O(pending).
 */
export class OverlayState implements OrgState {
	/** The synced state under the pending changes. */
	readonly base: OrgState;
	private orgOverride: Organization | undefined;
	/** userId → member as pending changes leave it (null: removed). */
	readonly touched = new Map<string, Member | null>();
	/** teamId → team as pending changes leave it (null: deleted). */
	readonly touchedTeams = new Map<string, Team | null>();
	/** "teamId/userId" → whether pending changes leave the membership in place. */
	private readonly touchedTeamMembers = new Map<string, { teamId: string; userId: string; in: boolean }>();
	readonly touchedProjects = new Map<string, Project>();
	/** "projectId/userId" or "projectId/teamId" → roles as pending changes leave them (null: unassigned). */
	readonly touchedProjectUsers = new Map<string, Touched<'user'>>();
	readonly touchedProjectTeams = new Map<string, Touched<'team'>>();
	/** "projectId/userId" → the request as pending changes leave it (null: answered). */
	readonly touchedRequests = new Map<string, { projectId: string; userId: string; request: JoinRequest | null }>();
	/** Billing as pending changes leave it: info, cards (null: removed) and the default card. */
	touchedBillingInfo: BillingInfo | undefined;
	readonly touchedCards = new Map<string, Card | null>();
	touchedDefaultCard: string | null | undefined;
	/** Contacts as pending changes leave them (null: cleared). */
	readonly touchedContacts = new Map<ContactKind, string | null>();
	/** "projectId/deploymentId" → the deployment as pending changes leave it. */
	readonly touchedDeployments = new Map<string, { projectId: string; deployment: Deployment }>();
	/** inviteId → the organization invitation as pending changes leave it (null: cancelled or accepted). */
	readonly touchedInvitations = new Map<string, OrgInvitation | null>();
	/** "projectId/inviteId" → the project invitation as pending changes leave it. */
	readonly touchedProjectInvitations = new Map<string, { projectId: string; id: string; invitation: ProjectInvitation | null }>();

	constructor(base: OrgState) {
		this.base = base;
	}

	apply(changes: readonly Change[]): void {
		for (const c of changes) {
			switch (c.kind) {
				case 'org.put':
					this.orgOverride = c.org;
					break;
				case 'member.put':
					this.touched.set(c.member.userId, c.member);
					break;
				case 'member.delete':
					this.touched.set(c.userId, null);
					break;
				case 'team.put':
					this.touchedTeams.set(c.team.id, c.team);
					break;
				case 'team.delete':
					this.touchedTeams.set(c.teamId, null);
					break;
				case 'project.put':
					this.touchedProjects.set(c.project.id, c.project);
					break;
				case 'projectUser.put':
				case 'projectUser.delete':
					this.touchedProjectUsers.set(`${c.projectId}/${c.userId}`, {
						projectId: c.projectId,
						id: c.userId,
						kind: 'user',
						roles: c.kind === 'projectUser.put' ? c.roles : null
					});
					break;
				case 'projectTeam.put':
				case 'projectTeam.delete':
					this.touchedProjectTeams.set(`${c.projectId}/${c.teamId}`, {
						projectId: c.projectId,
						id: c.teamId,
						kind: 'team',
						roles: c.kind === 'projectTeam.put' ? c.roles : null
					});
					break;
				case 'joinRequest.put':
				case 'joinRequest.delete': {
					const userId = c.kind === 'joinRequest.put' ? c.request.userId : c.userId;
					this.touchedRequests.set(`${c.projectId}/${userId}`, {
						projectId: c.projectId,
						userId,
						request: c.kind === 'joinRequest.put' ? c.request : null
					});
					break;
				}
				case 'billing.put':
					this.touchedBillingInfo = c.info;
					break;
				case 'card.put':
					this.touchedCards.set(c.card.id, c.card);
					break;
				case 'card.delete':
					this.touchedCards.set(c.cardId, null);
					break;
				case 'card.default':
					this.touchedDefaultCard = c.cardId;
					break;
				case 'contact.put':
					this.touchedContacts.set(c.contact, c.email);
					break;
				case 'deployment.put':
					this.touchedDeployments.set(`${c.projectId}/${c.deployment.id}`, { projectId: c.projectId, deployment: c.deployment });
					break;
				case 'invitation.put':
					this.touchedInvitations.set(c.invitation.id, c.invitation);
					break;
				case 'invitation.delete':
					this.touchedInvitations.set(c.inviteId, null);
					break;
				case 'projectInvitation.put':
				case 'projectInvitation.delete': {
					const id = c.kind === 'projectInvitation.put' ? c.invitation.id : c.inviteId;
					const invitation = c.kind === 'projectInvitation.put' ? c.invitation : null;
					this.touchedProjectInvitations.set(`${c.projectId}/${id}`, { projectId: c.projectId, id, invitation });
					break;
				}
				case 'teamMember.put':
				case 'teamMember.delete':
					this.touchedTeamMembers.set(teamMemberKey(c.teamId, c.userId), {
						teamId: c.teamId,
						userId: c.userId,
						in: c.kind === 'teamMember.put'
					});
					break;
			}
		}
	}

	org() {
		return this.orgOverride ?? this.base.org();
	}
	member(userId: string) {
		const t = this.touched.get(userId);
		return t === null ? undefined : (t ?? this.base.member(userId));
	}
	billing(): BillingState {
		const base = this.base.billing();
		return {
			info: () => this.touchedBillingInfo ?? base.info(),
			card: (cardId) => {
				const t = this.touchedCards.get(cardId);
				return t === null ? undefined : (t ?? base.card(cardId));
			},
			cards: () => {
				const byId = new Map(base.cards().map((c) => [c.id, c]));
				for (const [id, card] of this.touchedCards) {
					if (card) byId.set(id, card);
					else byId.delete(id);
				}
				return [...byId.values()];
			},
			defaultCardId: () => (this.touchedDefaultCard === undefined ? base.defaultCardId() : (this.touchedDefaultCard ?? undefined)),
			// Only the server issues and settles invoices: no pending change touches them.
			invoice: (invoiceId) => base.invoice(invoiceId),
			invoices: () => base.invoices(),
			openInvoices: () => base.openInvoices()
		};
	}
	contact(kind: ContactKind) {
		const t = this.touchedContacts.get(kind);
		return t === null ? undefined : (t ?? this.base.contact(kind));
	}
	/** Recounted against the current base, which may have changed under the pending changes. */
	ownerCount() {
		let count = this.base.ownerCount();
		for (const [userId, m] of this.touched) count += isOwner(m) - isOwner(this.base.member(userId));
		return count;
	}
	team(teamId: string) {
		const t = this.touchedTeams.get(teamId);
		return t === null ? undefined : (t ?? this.base.team(teamId));
	}
	teamByName(name: string) {
		const key = teamNameKey(name);
		for (const t of this.touchedTeams.values()) if (t && teamNameKey(t.name) === key) return t;
		const base = this.base.teamByName(name);
		return base && !this.touchedTeams.has(base.id) ? base : undefined;
	}
	isTeamMember(teamId: string, userId: string) {
		if (!this.team(teamId)) return false;
		return this.touchedTeamMembers.get(teamMemberKey(teamId, userId))?.in ?? this.base.isTeamMember(teamId, userId);
	}
	teamsOf(userId: string) {
		const ids = new Set(this.base.teamsOf(userId));
		for (const tm of this.touchedTeamMembers.values()) {
			if (tm.userId !== userId) continue;
			if (tm.in) ids.add(tm.teamId);
			else ids.delete(tm.teamId);
		}
		return [...ids].filter((id) => this.team(id));
	}
	/** O(pending), not O(team): the base count adjusted by pending membership changes. */
	teamMemberCount(teamId: string) {
		if (!this.team(teamId)) return 0;
		let count = this.base.teamMemberCount(teamId);
		for (const tm of this.touchedTeamMembers.values()) {
			if (tm.teamId === teamId) count += +tm.in - +this.base.isTeamMember(teamId, tm.userId);
		}
		return count;
	}
	teamMemberIds(teamId: string) {
		if (!this.team(teamId)) return [];
		const ids = new Set(this.base.teamMemberIds(teamId));
		for (const tm of this.touchedTeamMembers.values()) {
			if (tm.teamId !== teamId) continue;
			if (tm.in) ids.add(tm.userId);
			else ids.delete(tm.userId);
		}
		return [...ids];
	}
	project(projectId: string): ProjectState | undefined {
		const base = this.base.project(projectId);
		if (!base && !this.touchedProjects.has(projectId)) return undefined;
		return new ProjectOverlay(projectId, base, this);
	}
	projectsOfTeam(teamId: string) {
		return adjust(this.base.projectsOfTeam(teamId), this.touchedProjectTeams, teamId);
	}
	projectsOfUser(userId: string) {
		return adjust(this.base.projectsOfUser(userId), this.touchedProjectUsers, userId);
	}
	/** The base's list, with projects whose deployments pending changes touch re-counted. */
	projectsWithDeployments() {
		const ids = new Set(this.base.projectsWithDeployments());
		for (const { projectId } of this.touchedDeployments.values()) {
			if ((this.project(projectId)?.activeDeploymentCount() ?? 0) > 0) ids.add(projectId);
			else ids.delete(projectId);
		}
		return [...ids];
	}
	requestsOf(userId: string) {
		const ids = new Set(this.base.requestsOf(userId));
		for (const t of this.touchedRequests.values()) {
			if (t.userId !== userId) continue;
			if (t.request) ids.add(t.projectId);
			else ids.delete(t.projectId);
		}
		return [...ids];
	}
	invitation(inviteId: string) {
		const t = this.touchedInvitations.get(inviteId);
		return t === null ? undefined : (t ?? this.base.invitation(inviteId));
	}
	invitationByEmail(email: string) {
		return byEmail(email, this.touchedInvitations.values(), this.base.invitationByEmail(email), (id) => this.invitation(id));
	}
	/** The base's list with invitations that pending changes touch re-read. */
	invitationsOfTeam(teamId: string) {
		const ids = new Set(this.base.invitationsOfTeam(teamId));
		for (const [id, i] of this.touchedInvitations) {
			if (i?.teams.includes(teamId)) ids.add(id);
			else ids.delete(id);
		}
		return [...ids];
	}
	user(userId: string) {
		return this.base.user(userId);
	}
	userByUsername(username: string) {
		return this.base.userByUsername(username);
	}
	usersByEmail(email: string) {
		return this.base.usersByEmail(email);
	}
}

/** The invitation for an address: a pending one for it, else the base's unless pending changes removed it. */
function byEmail<I extends { id: string; email: string }>(
	email: string,
	touched: Iterable<I | null>,
	base: I | undefined,
	current: (id: string) => I | undefined
): I | undefined {
	const key = emailKey(email);
	for (const i of touched) if (i && emailKey(i.email) === key) return i;
	return base && current(base.id);
}

function isOwner(m: Member | null | undefined): number {
	return m?.role === 'ORG_OWNER' ? 1 : 0;
}

/** Base project ids of an assignee, with pending assignments added and unassignments taken out. */
function adjust<K extends string>(base: string[], touched: Map<string, Touched<K>>, id: string): string[] {
	const ids = new Set(base);
	for (const t of touched.values()) {
		if (t.id !== id) continue;
		if (t.roles) ids.add(t.projectId);
		else ids.delete(t.projectId);
	}
	return [...ids];
}

/** One project as pending changes leave it. Reads cost O(pending). */
class ProjectOverlay implements ProjectState {
	constructor(
		private readonly id: string,
		private readonly base: ProjectState | undefined,
		private readonly overlay: OverlayState
	) {}

	private touched<K extends string>(map: Map<string, Touched<K>>) {
		return [...map.values()].filter((t) => t.projectId === this.id);
	}
	project() {
		return this.overlay.touchedProjects.get(this.id) ?? this.base?.project();
	}
	userRoles(userId: string) {
		const t = this.overlay.touchedProjectUsers.get(`${this.id}/${userId}`);
		return t ? (t.roles ?? undefined) : this.base?.userRoles(userId);
	}
	teamRoles(teamId: string) {
		const t = this.overlay.touchedProjectTeams.get(`${this.id}/${teamId}`);
		return t ? (t.roles ?? undefined) : this.base?.teamRoles(teamId);
	}
	assignmentCount() {
		let count = this.base?.assignmentCount() ?? 0;
		for (const t of this.touched(this.overlay.touchedProjectUsers)) count += +!!t.roles - +!!this.base?.userRoles(t.id);
		for (const t of this.touched(this.overlay.touchedProjectTeams)) count += +!!t.roles - +!!this.base?.teamRoles(t.id);
		return count;
	}
	individualOwnerCount() {
		let count = this.base?.individualOwnerCount() ?? 0;
		for (const t of this.touched(this.overlay.touchedProjectUsers)) {
			count += +ownsProject(t.roles) - +ownsProject(this.base?.userRoles(t.id));
		}
		return count;
	}
	assignedUsers() {
		return this.assigned(this.base?.assignedUsers() ?? [], this.overlay.touchedProjectUsers);
	}
	assignedTeams() {
		return this.assigned(this.base?.assignedTeams() ?? [], this.overlay.touchedProjectTeams);
	}
	private assigned<K extends string>(base: string[], map: Map<string, Touched<K>>) {
		const ids = new Set(base);
		for (const t of this.touched(map)) {
			if (t.roles) ids.add(t.id);
			else ids.delete(t.id);
		}
		return [...ids];
	}
	joinRequest(userId: string) {
		const t = this.overlay.touchedRequests.get(`${this.id}/${userId}`);
		return t ? (t.request ?? undefined) : this.base?.joinRequest(userId);
	}
	joinRequests() {
		const byUser = new Map((this.base?.joinRequests() ?? []).map((r) => [r.userId, r]));
		for (const t of this.overlay.touchedRequests.values()) {
			if (t.projectId !== this.id) continue;
			if (t.request) byUser.set(t.userId, t.request);
			else byUser.delete(t.userId);
		}
		return [...byUser.values()];
	}
	deployment(deploymentId: string) {
		return this.overlay.touchedDeployments.get(`${this.id}/${deploymentId}`)?.deployment ?? this.base?.deployment(deploymentId);
	}
	deployments() {
		const byId = new Map((this.base?.deployments() ?? []).map((d) => [d.id, d]));
		for (const t of this.overlay.touchedDeployments.values()) if (t.projectId === this.id) byId.set(t.deployment.id, t.deployment);
		return [...byId.values()];
	}
	activeDeploymentCount() {
		let count = this.base?.activeDeploymentCount() ?? 0;
		for (const t of this.overlay.touchedDeployments.values()) {
			if (t.projectId !== this.id) continue;
			count += +(t.deployment.status === 'active') - +(this.base?.deployment(t.deployment.id)?.status === 'active');
		}
		return count;
	}
	invitation(inviteId: string) {
		const t = this.overlay.touchedProjectInvitations.get(`${this.id}/${inviteId}`);
		return t ? (t.invitation ?? undefined) : this.base?.invitation(inviteId);
	}
	invitationByEmail(email: string) {
		const touched = [...this.overlay.touchedProjectInvitations.values()].filter((t) => t.projectId === this.id);
		return byEmail(email, touched.map((t) => t.invitation), this.base?.invitationByEmail(email), (id) => this.invitation(id));
	}
	invitations() {
		const byId = new Map((this.base?.invitations() ?? []).map((i) => [i.id, i]));
		for (const t of this.overlay.touchedProjectInvitations.values()) {
			if (t.projectId !== this.id) continue;
			if (t.invitation) byId.set(t.id, t.invitation);
			else byId.delete(t.id);
		}
		return [...byId.values()];
	}
	ownerTeams() {
		const ids = new Set(this.base?.ownerTeams() ?? []);
		for (const t of this.touched(this.overlay.touchedProjectTeams)) {
			if (ownsProject(t.roles)) ids.add(t.id);
			else ids.delete(t.id);
		}
		return [...ids];
	}
}
