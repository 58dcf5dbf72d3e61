import * as Y from 'yjs';
import { teamNameKey, type ContactKind, type Member, type OrgInvitation, type Organization, type Team, type UserProfile } from './schemas.ts';
import { EmailIndex, Index, observe } from './doc-indexes.ts';
import { BillingDocState, billingMaps } from './billing-doc.ts';
import { ProjectDocState, projectMaps } from './project-doc.ts';
import type { Change, OrgState } from './state.ts';

export interface TeamMembership {
	teamId: string;
	userId: string;
}

/**
 * Layout of an organization's Y.Doc: meta.org holds the organization, members maps
 * userId → Member, teams maps teamId → Team, teamMembers maps "teamId/userId" → TeamMembership,
 * invitations maps inviteId → OrgInvitation, contacts maps a contact kind → email.
 */
export function orgMaps(doc: Y.Doc) {
	return {
		meta: doc.getMap<Organization>('meta'),
		members: doc.getMap<Member>('members'),
		teams: doc.getMap<Team>('teams'),
		teamMembers: doc.getMap<TeamMembership>('teamMembers'),
		invitations: doc.getMap<OrgInvitation>('invitations'),
		contacts: doc.getMap<string>('contacts')
	};
}

export const teamMemberKey = (teamId: string, userId: string) => `${teamId}/${userId}`;

/**
 * Applies accepted changes to the organization's document and its projects' documents,
 * one transaction per document.
 */
export function applyChanges(state: OrgDocState, changes: readonly Change[], origin: unknown): void {
	const billing = changes.filter((c) => BILLING_KINDS.has(c.kind));
	if (billing.length) applyBillingChanges(state.billing().doc, billing, origin);
	const orgChanges = changes.filter((c) => !('projectId' in c || c.kind === 'project.put' || BILLING_KINDS.has(c.kind)));
	if (orgChanges.length) applyOrgChanges(state.doc, orgChanges, origin);
	const byProject = new Map<string, Change[]>();
	for (const c of changes) {
		const projectId = c.kind === 'project.put' ? c.project.id : 'projectId' in c ? c.projectId : undefined;
		if (projectId !== undefined) byProject.set(projectId, [...(byProject.get(projectId) ?? []), c]);
	}
	for (const [projectId, list] of byProject) applyProjectChanges(state.projectDoc(projectId), list, origin);
}

const BILLING_KINDS = new Set<Change['kind']>(['billing.put', 'card.put', 'card.delete', 'card.default', 'invoice.put']);

function applyBillingChanges(doc: Y.Doc, changes: readonly Change[], origin: unknown) {
	const maps = billingMaps(doc);
	doc.transact(() => {
		for (const c of changes) {
			if (c.kind === 'billing.put') maps.info.set('info', c.info);
			else if (c.kind === 'card.put') maps.cards.set(c.card.id, c.card);
			else if (c.kind === 'card.delete') maps.cards.delete(c.cardId);
			else if (c.kind === 'invoice.put') maps.invoices.set(c.invoice.id, c.invoice);
			else if (c.kind === 'card.default') {
				if (c.cardId === null) maps.defaults.delete('cardId');
				else maps.defaults.set('cardId', c.cardId);
			}
		}
	}, origin);
}

function applyProjectChanges(doc: Y.Doc, changes: readonly Change[], origin: unknown) {
	const maps = projectMaps(doc);
	doc.transact(() => {
		for (const c of changes) {
			if (c.kind === 'project.put') maps.meta.set('project', c.project);
			else if (c.kind === 'projectUser.put') maps.users.set(c.userId, { userId: c.userId, roles: c.roles });
			else if (c.kind === 'projectUser.delete') maps.users.delete(c.userId);
			else if (c.kind === 'projectTeam.put') maps.teams.set(c.teamId, { teamId: c.teamId, roles: c.roles });
			else if (c.kind === 'projectTeam.delete') maps.teams.delete(c.teamId);
			else if (c.kind === 'joinRequest.put') maps.requests.set(c.request.userId, c.request);
			else if (c.kind === 'joinRequest.delete') maps.requests.delete(c.userId);
			else if (c.kind === 'projectInvitation.put') maps.invitations.set(c.invitation.id, c.invitation);
			else if (c.kind === 'projectInvitation.delete') maps.invitations.delete(c.inviteId);
			else if (c.kind === 'deployment.put') maps.deployments.set(c.deployment.id, c.deployment);
		}
	}, origin);
}

/** Organization-level changes only, straight to the organization document. */
export function applyOrgChanges(doc: Y.Doc, changes: readonly Change[], origin: unknown) {
	const maps = orgMaps(doc);
	doc.transact(() => {
		for (const c of changes) {
			switch (c.kind) {
				case 'org.put':
					maps.meta.set('org', c.org);
					break;
				case 'member.put':
					maps.members.set(c.member.userId, c.member);
					break;
				case 'member.delete':
					maps.members.delete(c.userId);
					break;
				case 'team.put':
					maps.teams.set(c.team.id, c.team);
					break;
				case 'team.delete':
					maps.teams.delete(c.teamId);
					break;
				case 'teamMember.put':
					maps.teamMembers.set(teamMemberKey(c.teamId, c.userId), { teamId: c.teamId, userId: c.userId });
					break;
				case 'teamMember.delete':
					maps.teamMembers.delete(teamMemberKey(c.teamId, c.userId));
					break;
				case 'contact.put':
					if (c.email === null) maps.contacts.delete(c.contact);
					else maps.contacts.set(c.contact, c.email);
					break;
				case 'invitation.put':
					maps.invitations.set(c.invitation.id, c.invitation);
					break;
				case 'invitation.delete':
					maps.invitations.delete(c.inviteId);
					break;
				default:
					throw new Error(`${c.kind} is not an organization change`);
			}
		}
	}, origin);
}

export type Directory = Pick<OrgState, 'user' | 'userByUsername' | 'usersByEmail'>;

/**
 * OrgState over a Y.Doc, with the indexes a check needs (owners, usernames, team
 * names, team members both ways) kept up to date by observing the maps, so a check
 * never scans the organization.
 */
export class OrgDocState implements OrgState {
	readonly doc: Y.Doc;
	private readonly owners = new Set<string>();
	private readonly byUsername = new Map<string, string>();
	private readonly teamByKey = new Map<string, string>();
	private readonly membersOfTeam = new Index();
	private readonly teamsOfUser = new Index();
	private readonly directory: Directory;
	private readonly projects = new Map<string, ProjectDocState>();
	private readonly projectsByTeam = new Index();
	private readonly projectsByUser = new Index();
	private readonly requestsByUser = new Index();
	private readonly deploying = new Set<string>();
	private readonly invitationsByEmail = new EmailIndex();
	private readonly invitationsByTeam = new Index();
	private readonly newProjectDoc: (projectId: string) => Y.Doc;
	private billingState: BillingDocState;

	/**
	 * `newProjectDoc` makes the document of a project first seen (the server backs it with
	 * a room); `billingDoc` is the organization's billing document.
	 */
	constructor(doc: Y.Doc, directory: Directory, newProjectDoc: (projectId: string) => Y.Doc = () => new Y.Doc(), billingDoc = new Y.Doc()) {
		this.doc = doc;
		this.billingState = new BillingDocState(billingDoc);
		this.directory = directory;
		this.newProjectDoc = newProjectDoc;
		const { members, teams, teamMembers, invitations } = orgMaps(doc);
		this.invitationsByEmail.watch(invitations);
		for (const i of invitations.values()) for (const t of i.teams) this.invitationsByTeam.add(t, i.id);
		observe(invitations, (old, now) => {
			for (const t of old?.teams ?? []) this.invitationsByTeam.delete(t, old!.id);
			for (const t of now?.teams ?? []) this.invitationsByTeam.add(t, now!.id);
		});
		for (const m of members.values()) this.indexMember(m, true);
		for (const t of teams.values()) this.teamByKey.set(teamNameKey(t.name), t.id);
		for (const tm of teamMembers.values()) this.indexTeamMember(tm, true);
		observe(members, (old, now) => {
			if (old) this.indexMember(old, false);
			if (now) this.indexMember(now, true);
		});
		observe(teams, (old, now) => {
			if (old && this.teamByKey.get(teamNameKey(old.name)) === old.id) this.teamByKey.delete(teamNameKey(old.name));
			if (now) this.teamByKey.set(teamNameKey(now.name), now.id);
		});
		observe(teamMembers, (old, now) => {
			if (old) this.indexTeamMember(old, false);
			if (now) this.indexTeamMember(now, true);
		});
	}

	private indexMember(m: Member, add: boolean) {
		if (add) {
			if (m.role === 'ORG_OWNER') this.owners.add(m.userId);
			this.byUsername.set(m.username, m.userId);
			return;
		}
		this.owners.delete(m.userId);
		if (this.byUsername.get(m.username) === m.userId) this.byUsername.delete(m.username);
	}

	private indexTeamMember({ teamId, userId }: TeamMembership, add: boolean) {
		if (add) {
			this.membersOfTeam.add(teamId, userId);
			this.teamsOfUser.add(userId, teamId);
		} else {
			this.membersOfTeam.delete(teamId, userId);
			this.teamsOfUser.delete(userId, teamId);
		}
	}

	/** Adds a project's document (loaded or received) and indexes its assignments. */
	attachProject(projectId: string, doc: Y.Doc): ProjectDocState {
		const project = new ProjectDocState(doc);
		this.projects.set(projectId, project);
		if (project.activeDeploymentCount() > 0) this.deploying.add(projectId);
		project.onDeploymentsChange = (has) => (has ? this.deploying.add(projectId) : this.deploying.delete(projectId));
		const { users, teams, requests } = projectMaps(doc);
		for (const u of users.keys()) this.projectsByUser.add(u, projectId);
		for (const t of teams.keys()) this.projectsByTeam.add(t, projectId);
		for (const r of requests.keys()) this.requestsByUser.add(r, projectId);
		const keep = <T>(map: Y.Map<T>, index: Index) =>
			map.observe((event) => {
				for (const key of event.keysChanged) {
					if (map.has(key)) index.add(key, projectId);
					else index.delete(key, projectId);
				}
			});
		keep(users, this.projectsByUser);
		keep(teams, this.projectsByTeam);
		keep(requests, this.requestsByUser);
		return project;
	}

	/** Forgets a project's document (the client lost read access to it). */
	detachProject(projectId: string) {
		const project = this.projects.get(projectId);
		if (!project) return;
		this.projects.delete(projectId);
		this.deploying.delete(projectId);
		project.onDeploymentsChange = () => {};
		const { users, teams, requests } = projectMaps(project.doc);
		for (const u of users.keys()) this.projectsByUser.delete(u, projectId);
		for (const t of teams.keys()) this.projectsByTeam.delete(t, projectId);
		for (const r of requests.keys()) this.requestsByUser.delete(r, projectId);
	}

	projectDoc(projectId: string): Y.Doc {
		return (this.projects.get(projectId) ?? this.attachProject(projectId, this.newProjectDoc(projectId))).doc;
	}

	project(projectId: string) {
		return this.projects.get(projectId);
	}
	projectIds(): string[] {
		return [...this.projects.keys()];
	}
	projectsOfTeam(teamId: string) {
		return this.projectsByTeam.get(teamId);
	}
	projectsOfUser(userId: string) {
		return this.projectsByUser.get(userId);
	}
	requestsOf(userId: string) {
		return this.requestsByUser.get(userId);
	}
	projectsWithDeployments() {
		return [...this.deploying];
	}

	org() {
		return orgMaps(this.doc).meta.get('org');
	}
	billing() {
		return this.billingState;
	}
	/** Forgets the billing document (the client lost read access to it). */
	resetBilling() {
		this.billingState.doc.destroy();
		this.billingState = new BillingDocState(new Y.Doc());
	}
	member(userId: string) {
		return orgMaps(this.doc).members.get(userId);
	}
	memberByUsername(username: string) {
		const id = this.byUsername.get(username.toLowerCase());
		return id === undefined ? undefined : this.member(id);
	}
	members(): Member[] {
		return [...orgMaps(this.doc).members.values()];
	}
	ownerCount() {
		return this.owners.size;
	}
	contact(kind: ContactKind) {
		return orgMaps(this.doc).contacts.get(kind);
	}
	team(teamId: string) {
		return orgMaps(this.doc).teams.get(teamId);
	}
	teams(): Team[] {
		return [...orgMaps(this.doc).teams.values()];
	}
	teamByName(name: string) {
		const id = this.teamByKey.get(teamNameKey(name));
		return id === undefined ? undefined : this.team(id);
	}
	isTeamMember(teamId: string, userId: string) {
		return orgMaps(this.doc).teamMembers.has(teamMemberKey(teamId, userId));
	}
	teamsOf(userId: string) {
		return this.teamsOfUser.get(userId);
	}
	teamMemberIds(teamId: string) {
		return this.membersOfTeam.get(teamId);
	}
	teamMemberCount(teamId: string) {
		return this.membersOfTeam.count(teamId);
	}
	invitation(inviteId: string) {
		return orgMaps(this.doc).invitations.get(inviteId);
	}
	invitationByEmail(email: string) {
		return this.invitation(this.invitationsByEmail.get(email) ?? '');
	}
	invitationsOfTeam(teamId: string) {
		return this.invitationsByTeam.get(teamId);
	}
	invitations(): OrgInvitation[] {
		return [...orgMaps(this.doc).invitations.values()];
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
}
