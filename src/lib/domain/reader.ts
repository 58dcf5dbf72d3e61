import { projectEmailKey, type IndexName } from './doc-indexes.ts';
import { teamMemberKey, type Row, type TableName } from './model.ts';
import { emailKey, teamNameKey, type ContactKind, type UserProfile } from './schemas.ts';
import type { BillingState, OrgState, ProjectState } from './state.ts';

export type Directory = Pick<OrgState, 'user' | 'userByUsername' | 'usersByEmail'> & Partial<Pick<OrgState, 'privateWebhookAddress'>>;

/**
 * OrgState's named reads, made of the generic ones (ModelReads) that the documents
 * (OrgDocState) and the pending overlay (OverlayState) each provide their own way.
 * Every read is by key or index: checking a mutation costs the same in any organization.
 */
export abstract class ModelReader implements OrgState {
	constructor(private readonly directory: Directory) {}

	abstract row<T extends TableName>(table: T, key: string, project?: string): Row<T> | undefined;
	abstract rows<T extends TableName>(table: T, project?: string): Map<string, Row<T>>;
	abstract size(table: TableName, project?: string): number;
	abstract lookup(index: IndexName, key: string): string[];
	abstract count(index: IndexName, key: string): number;
	abstract writes(): number;
	/** Whether this state knows the project's document. */
	protected abstract hasProject(projectId: string): boolean;
	abstract projectsWithDeployments(): string[];

	/** The value an index holds under a key, when one row at most has it (the latest, should two). */
	private unique(index: IndexName, key: string): string {
		return this.lookup(index, key).at(-1) ?? '';
	}

	org() {
		return this.row('org', 'org');
	}
	member(userId: string) {
		return this.row('member', userId);
	}
	memberByUsername(username: string) {
		return this.member(this.unique('usernames', username.toLowerCase()));
	}
	members() {
		return [...this.rows('member').values()];
	}
	ownerCount() {
		return this.count('owners', '');
	}
	contact(kind: ContactKind) {
		return this.row('contact', kind);
	}
	team(teamId: string) {
		return this.row('team', teamId);
	}
	teams() {
		return [...this.rows('team').values()];
	}
	teamByName(name: string) {
		return this.team(this.unique('teamNames', teamNameKey(name)));
	}
	// A team deleted by a pending change keeps no members, even ones the base gained since.
	isTeamMember(teamId: string, userId: string) {
		return !!this.team(teamId) && this.row('teamMember', teamMemberKey(teamId, userId)) !== undefined;
	}
	teamsOf(userId: string) {
		return this.lookup('userTeams', userId).filter((id) => this.team(id));
	}
	teamMemberIds(teamId: string) {
		return this.team(teamId) ? this.lookup('teamMembers', teamId) : [];
	}
	teamMemberCount(teamId: string) {
		return this.team(teamId) ? this.count('teamMembers', teamId) : 0;
	}
	project(projectId: string): ProjectReader | undefined {
		return this.hasProject(projectId) ? new ProjectReader(this, projectId) : undefined;
	}
	projectsOfTeam(teamId: string) {
		return this.lookup('teamProjects', teamId);
	}
	projectsOfUser(userId: string) {
		return this.lookup('userProjects', userId);
	}
	requestsOf(userId: string) {
		return this.lookup('userRequests', userId);
	}
	invitation(inviteId: string) {
		return this.row('invitation', inviteId);
	}
	invitationByEmail(email: string) {
		return this.invitation(this.unique('invitationEmails', emailKey(email)));
	}
	invitationsOfTeam(teamId: string) {
		return this.lookup('teamInvitations', teamId);
	}
	invitations() {
		return [...this.rows('invitation').values()];
	}
	billing(): BillingState {
		return new BillingReader(this);
	}
	user(userId: string): UserProfile | undefined {
		return this.directory.user(userId);
	}
	usersByEmail(email: string): UserProfile[] {
		return this.directory.usersByEmail(email);
	}
	userByUsername(username: string): UserProfile | undefined {
		return this.directory.userByUsername(username);
	}
	privateWebhookAddress(url: string): string | undefined {
		return this.directory.privateWebhookAddress?.(url);
	}
}

/** One project of an organization's state. */
export class ProjectReader implements ProjectState {
	constructor(
		private readonly state: ModelReader,
		private readonly id: string
	) {}

	project() {
		return this.state.row('project', 'project', this.id);
	}
	userRoles(userId: string) {
		return this.state.row('projectUser', userId, this.id)?.roles;
	}
	teamRoles(teamId: string) {
		return this.state.row('projectTeam', teamId, this.id)?.roles;
	}
	users() {
		return [...this.state.rows('projectUser', this.id).values()];
	}
	teams() {
		return [...this.state.rows('projectTeam', this.id).values()];
	}
	assignmentCount() {
		return this.state.size('projectUser', this.id) + this.state.size('projectTeam', this.id);
	}
	individualOwnerCount() {
		return this.state.count('projectOwners', this.id);
	}
	ownerTeams() {
		return this.state.lookup('owningTeams', this.id);
	}
	assignedUsers() {
		return [...this.state.rows('projectUser', this.id).keys()];
	}
	assignedTeams() {
		return [...this.state.rows('projectTeam', this.id).keys()];
	}
	joinRequest(userId: string) {
		return this.state.row('joinRequest', userId, this.id);
	}
	joinRequests() {
		return [...this.state.rows('joinRequest', this.id).values()];
	}
	invitation(inviteId: string) {
		return this.state.row('projectInvitation', inviteId, this.id);
	}
	invitationByEmail(email: string) {
		return this.invitation(this.state.lookup('projectInvitationEmails', projectEmailKey(this.id, email)).at(-1) ?? '');
	}
	invitations() {
		return [...this.state.rows('projectInvitation', this.id).values()];
	}
	deployment(deploymentId: string) {
		return this.state.row('deployment', deploymentId, this.id);
	}
	deployments() {
		return [...this.state.rows('deployment', this.id).values()];
	}
	activeDeploymentCount() {
		return this.state.count('activeDeployments', this.id);
	}
}

/** An organization's billing, from its state. */
class BillingReader implements BillingState {
	constructor(private readonly state: ModelReader) {}

	info() {
		return this.state.row('billing', 'info');
	}
	card(cardId: string) {
		return this.state.row('card', cardId);
	}
	/** An organization holds a few cards: listing them is bounded by the organization's cards, not its size. */
	cards() {
		return [...this.state.rows('card').values()];
	}
	defaultCardId() {
		return this.state.row('defaultCard', 'cardId');
	}
	invoice(invoiceId: string) {
		return this.state.row('invoice', invoiceId);
	}
	invoices() {
		return [...this.state.rows('invoice').values()];
	}
	openInvoices() {
		return this.state.lookup('openInvoices', '').flatMap((id) => this.invoice(id) ?? []);
	}
}
