import type { IndexName } from './doc-indexes.ts';
import type { Change, Row, TableName } from './model.ts';
import type { ContactKind, ProjectRole, UserProfile } from './schemas.ts';

/**
 * The replicated model (model.ts) read generically: what the named reads below are made
 * of, and what the overlay lays pending changes over. `project` names the document of a
 * project table ('' for the others).
 */
export interface ModelReads {
	row<T extends TableName>(table: T, key: string, project?: string): Row<T> | undefined;
	/** Every row of a table (O(rows)): for listing. */
	rows<T extends TableName>(table: T, project?: string): Map<string, Row<T>>;
	size(table: TableName, project?: string): number;
	/** The values an index (doc-indexes.ts) holds under a key, and how many. */
	lookup(index: IndexName, key: string): string[];
	count(index: IndexName, key: string): number;
	/** How many row writes this state has taken: a reader laid over it sees when it moved. */
	writes(): number;
}

/**
 * What a check may read. Every lookup is by key or a kept index, so checking a
 * mutation costs the same in a 10-user and a 10,000-user organization.
 */
export interface OrgState extends ModelReads {
	org(): Row<'org'> | undefined;
	member(userId: string): Row<'member'> | undefined;
	ownerCount(): number;
	/** A contact address as set (undefined: unset, falling back to the primary admin's). */
	contact(kind: ContactKind): string | undefined;
	team(teamId: string): Row<'team'> | undefined;
	teamByName(name: string): Row<'team'> | undefined;
	isTeamMember(teamId: string, userId: string): boolean;
	/** Kept indexes: a user's teams and a team's members, read without a scan. */
	teamsOf(userId: string): string[];
	teamMemberIds(teamId: string): string[];
	teamMemberCount(teamId: string): number;
	/** A project of this organization (its own document); undefined if unknown to this replica. */
	project(projectId: string): ProjectState | undefined;
	/** Kept indexes: projects a team is assigned to, and projects a user is individually assigned to. */
	projectsOfTeam(teamId: string): string[];
	projectsOfUser(userId: string): string[];
	/** Projects with at least one active deployment (invariant 8), kept as an index. */
	projectsWithDeployments(): string[];
	/** Projects a user has asked to join. */
	requestsOf(userId: string): string[];
	/** Pending (or expired) invitations to the organization, by id and by email. */
	invitation(inviteId: string): Row<'invitation'> | undefined;
	invitationByEmail(email: string): Row<'invitation'> | undefined;
	/** Invitations that place their invitee in this team, kept as an index. */
	invitationsOfTeam(teamId: string): string[];
	/** The organization's billing document. */
	billing(): BillingState;
	/** The platform's user directory (the server's; a client knows only what it was sent). */
	userByUsername(username: string): UserProfile | undefined;
	user(userId: string): UserProfile | undefined;
	/** Users whose email is this one and verified: an unverified address proves nothing. */
	usersByEmail(email: string): UserProfile[];
	/** The private address a webhook URL's host is at, when the server's policy refuses such (the server's to know: a client never says). */
	privateWebhookAddress(url: string): string | undefined;
}

/** What a check may read of one project. */
export interface ProjectState {
	project(): Row<'project'> | undefined;
	userRoles(userId: string): ProjectRole[] | undefined;
	teamRoles(teamId: string): ProjectRole[] | undefined;
	/** Users and teams assigned. */
	assignmentCount(): number;
	/** Users holding PROJECT_OWNER individually. */
	individualOwnerCount(): number;
	/** Teams assigned with PROJECT_OWNER. */
	ownerTeams(): string[];
	/** Every assigned user and team, for listing (O(assignments)); checks use the indexes above. */
	assignedUsers(): string[];
	assignedTeams(): string[];
	joinRequest(userId: string): Row<'joinRequest'> | undefined;
	joinRequests(): Row<'joinRequest'>[];
	invitation(inviteId: string): Row<'projectInvitation'> | undefined;
	invitationByEmail(email: string): Row<'projectInvitation'> | undefined;
	invitations(): Row<'projectInvitation'>[];
	deployment(deploymentId: string): Row<'deployment'> | undefined;
	/** Every deployment, deleted ones included (O(deployments)). */
	deployments(): Row<'deployment'>[];
	activeDeploymentCount(): number;
}

/** What a check may read of an organization's billing. */
export interface BillingState {
	info(): Row<'billing'> | undefined;
	card(cardId: string): Row<'card'> | undefined;
	cards(): Row<'card'>[];
	defaultCardId(): string | undefined;
	invoice(invoiceId: string): Row<'invoice'> | undefined;
	/** Every invoice, one a month (O(invoices)): for listing. */
	invoices(): Row<'invoice'>[];
	/** Invoices not yet paid, kept as an index: the unpaid balance. */
	openInvoices(): Row<'invoice'>[];
}

export type { Change };

export interface Accepted {
	ok: true;
	changes: Change[];
}

export interface CheckContext {
	actorId: string;
	now: number;
	/** When the actor's session last entered a two-factor code (the step-up of rules §4); unknown when absent. */
	steppedUpAt?: number;
}
