import * as Y from 'yjs';
import { expect } from 'vitest';
import {
	OrgDocState,
	INVITATION_TTL_MS,
	applyChanges,
	emailKey,
	checkMutation,
	memberOf,
	orgMaps,
	teamNameKey,
	type Change,
	type Directory,
	type Invoice,
	type ProjectRole,
	type Mutation,
	type OrgRole,
	type OrgState,
	type RefusalCode,
	type UserProfile,
	type Verdict
} from '../../src/lib/domain/index.ts';

export const ORG_ID = 'org1';
export const NOW = 1_700_000_000_000;

/** A mutation without its orgId, which the fixture fills in. */
export type Intent = Mutation extends infer M ? (M extends Mutation ? Omit<M, 'orgId'> : never) : never;

export function id(username: string): string {
	return `u-${username}`;
}

export function profile(username: string, emailVerified = true): UserProfile {
	return {
		id: id(username),
		username,
		email: `${username}@example.com`,
		emailVerified,
		displayName: username[0]!.toUpperCase() + username.slice(1)
	};
}

export class TestDirectory implements Directory {
	private readonly byId = new Map<string, UserProfile>();
	private readonly byUsername = new Map<string, UserProfile>();

	constructor(users: UserProfile[] = []) {
		for (const u of users) this.put(u);
	}
	put(user: UserProfile): void {
		this.byId.set(user.id, user);
		this.byUsername.set(user.username, user);
	}
	user(userId: string) {
		return this.byId.get(userId);
	}
	userByUsername(username: string) {
		return this.byUsername.get(username.toLowerCase());
	}
	usersByEmail(email: string) {
		return [...this.byId.values()].filter((u) => u.emailVerified && emailKey(u.email) === emailKey(email));
	}
}

/** Members by username, written as one line: `membersOf({ ann: 'ORG_OWNER', bob: 'ORG_MEMBER' })`. */
export function membersOf(roles: Record<string, OrgRole>): OrgSpec['members'] {
	return Object.entries(roles).map(([username, role]) => ({ username, role }));
}

export interface OrgSpec {
	members: { username: string; role: OrgRole }[];
	primaryAdmin: string;
	/** Usernames whose email is verified; the primary admin always is. */
	verified?: string[];
	/** Usernames with two-factor sign-in on. */
	twoFactor?: string[];
	/** Directory users who are not members. */
	others?: string[];
	/** Usernames (members or others) managed by the organization: created by its primary admin. */
	managed?: string[];
	/** Usernames (members or others) that are the organization's service accounts; members among them hold secret `s-<username>`, live 30 days. */
	service?: string[];
	status?: 'active' | 'closing' | 'closed';
	/** Teams by name (id `t-<lowercased name>`) with their members' usernames. */
	teams?: { name: string; members: string[] }[];
	/** Projects by name (id `p-<lowercased name>`) with user and team assignments. */
	projects?: {
		name: string;
		users?: [string, ProjectRole[]][];
		teams?: [string, ProjectRole[]][];
		requests?: string[];
		/** Invited addresses (invitation id `i-<local part>`), as Read only, sent at NOW. */
		invites?: string[];
		/** Active deployments by name (id `d-<lowercased name>`), on the shared plan. */
		deployments?: string[];
	}[];
	/** Cards on file by id, added a minute apart in this order; the first is the default. */
	cards?: string[];
	/** Addresses invited to the organization (id `i-<local part>`) as ORG_MEMBER, sent at NOW, maybe placed in teams. */
	invites?: (string | [string, string[]])[];
}

export function inviteId(email: string): string {
	return `i-${email.split('@')[0]}`;
}

const invitationOf = (email: string) => ({
	id: inviteId(email),
	email,
	invitedBy: 'fixture',
	...{ createdAt: NOW, expiresAt: NOW + INVITATION_TTL_MS }
});

export function projectId(name: string): string {
	return `p-${name.toLowerCase()}`;
}

export function teamId(name: string): string {
	return `t-${name.toLowerCase()}`;
}

export interface Fixture {
	doc: Y.Doc;
	state: OrgDocState;
	directory: TestDirectory;
	/** Checks `intent` by `actor` (a username) against `state` (the doc's by default), at `now` (NOW by default). */
	check(actor: string, intent: Intent, state?: OrgState, now?: number): Verdict;
	/** Checks and, when accepted, applies the changes to the doc. */
	run(actor: string, intent: Intent, now?: number): Verdict;
}

export function withOrgId(intent: Intent, orgId = ORG_ID): Mutation {
	return { ...intent, orgId } as Mutation;
}

function fixture(state: OrgDocState, directory: TestDirectory): Fixture {
	const doc = state.doc;
	const check = (actor: string, intent: Intent, s: OrgState = state, now = NOW) =>
		checkMutation(s, { actorId: id(actor), now }, withOrgId(intent));
	return {
		doc,
		state,
		directory,
		check,
		run(actor, intent, now) {
			const verdict = check(actor, intent, state, now);
			if (verdict.ok) applyChanges(state, verdict.changes, 'test');
			return verdict;
		}
	};
}

/**
 * An organization written straight into a Y.Doc with applyChanges, bypassing the
 * checks, so tests may also build states the rules would never produce.
 */
export function orgWith(spec: OrgSpec): Fixture {
	const verified = new Set([spec.primaryAdmin, ...(spec.verified ?? [])]);
	const usernames = [...spec.members.map((m) => m.username), ...(spec.others ?? [])];
	const twoFactor = new Set(spec.twoFactor ?? []);
	const service = new Set(spec.service);
	const managed = new Set([...(spec.managed ?? []), ...service]);
	const directory = new TestDirectory(
		usernames.map((u) => ({
			...profile(u, verified.has(u)),
			twoFactor: twoFactor.has(u),
			...(managed.has(u) ? { managedBy: ORG_ID } : {}),
			...(service.has(u) ? { service: true as const } : {})
		}))
	);
	const state = new OrgDocState(new Y.Doc(), directory);
	applyChanges(
		state,
		[
			{
				kind: 'org.put',
				org: { id: ORG_ID, name: 'Acme', status: spec.status ?? 'active', primaryAdminId: id(spec.primaryAdmin), createdAt: NOW }
			},
			...spec.members.map((m) => ({
				kind: 'member.put' as const,
				member: memberOf(directory.user(id(m.username))!, m.role, NOW)
			})),
			...spec.members
				.filter((m) => service.has(m.username))
				.map((m): Change => {
					const secret = { id: `s-${m.username}`, createdAt: NOW, createdBy: id(spec.primaryAdmin), expiresAt: NOW + 30 * 86_400_000 };
					const account = { userId: id(m.username), description: '', createdAt: NOW, createdBy: id(spec.primaryAdmin), secrets: [secret] };
					return { kind: 'serviceAccount.put', account };
				}),
			...(spec.teams ?? []).flatMap((t) => [
				{ kind: 'team.put' as const, team: { id: teamId(t.name), name: t.name, createdAt: NOW } },
				...t.members.map((u) => ({ kind: 'teamMember.put' as const, teamId: teamId(t.name), userId: id(u) }))
			]),
			...(spec.projects ?? []).flatMap((p): Change[] => [
				{ kind: 'project.put', project: { id: projectId(p.name), orgId: ORG_ID, name: p.name, status: 'active', createdAt: NOW } },
				...(p.users ?? []).map(([u, roles]): Change => ({ kind: 'projectUser.put', projectId: projectId(p.name), userId: id(u), roles })),
				...(p.teams ?? []).map(([t, roles]): Change => ({
					kind: 'projectTeam.put',
					projectId: projectId(p.name),
					teamId: teamId(t),
					roles
				})),
				...(p.requests ?? []).map((u): Change => {
					const { id: userId, username, email } = directory.user(id(u))!;
					return { kind: 'joinRequest.put', projectId: projectId(p.name), request: { userId, username, email, at: NOW } };
				}),
				...(p.deployments ?? []).map((name): Change => ({
					kind: 'deployment.put',
					projectId: projectId(p.name),
					deployment: { id: `d-${name.toLowerCase()}`, name, plan: 'shared', status: 'active', createdAt: NOW }
				})),
				...(p.invites ?? []).map((email): Change => ({
					kind: 'projectInvitation.put',
					projectId: projectId(p.name),
					invitation: { ...invitationOf(email), roles: ['PROJECT_READ_ONLY'] }
				}))
			]),
			...(spec.cards ?? []).flatMap((cardId, i): Change[] => [
				{
					kind: 'card.put',
					card: { id: cardId, brand: 'visa', last4: '4242', expMonth: 12, expYear: 2099, holder: 'Acme', addedAt: NOW + i * 60_000 }
				},
				...(i === 0 ? [{ kind: 'card.default' as const, cardId }] : [])
			]),
			...(spec.invites ?? []).map((invite): Change => {
				const [email, teams] = typeof invite === 'string' ? [invite, []] : invite;
				return { kind: 'invitation.put', invitation: { ...invitationOf(email), role: 'ORG_MEMBER', teams: teams.map(teamId) } };
			})
		],
		'fixture'
	);
	return fixture(state, directory);
}

/** A document with no organization yet, over a directory of `usernames`. */
export function emptyOrg(usernames: string[]): Fixture {
	const directory = new TestDirectory(usernames.map((u) => profile(u)));
	return fixture(new OrgDocState(new Y.Doc(), directory), directory);
}

export function expectRefused(verdict: Verdict, code: RefusalCode): void {
	expect(verdict).toMatchObject({ ok: false, code });
	if (!verdict.ok) expect(verdict.message.trim()).not.toBe('');
}

export function expectAccepted(verdict: Verdict): asserts verdict is Extract<Verdict, { ok: true }> {
	expect(verdict, verdict.ok ? '' : `${verdict.code}: ${verdict.message}`).toMatchObject({ ok: true });
}

/** rules §3 invariants 1, 3, 4, 5 and 7, and every kept index against a full scan. */
export function assertInvariants(state: OrgDocState): void {
	const cards = state.billing().cards();
	const defaultCard = state.billing().defaultCardId();
	if (cards.length)
		expect(
			cards.map((c) => c.id),
			'the default card is on file'
		).toContain(defaultCard);
	else expect(defaultCard, 'no default without cards').toBeUndefined();
	const open = state
		.billing()
		.invoices()
		.filter((i) => i.status === 'open')
		.map((i) => i.id);
	expect(
		state
			.billing()
			.openInvoices()
			.map((i) => i.id)
			.sort(),
		'the open-invoice index'
	).toEqual(open.sort());
	for (const i of state.invitations()) {
		for (const t of i.teams) {
			expect(state.team(t), 'invitations place invitees in existing teams').toBeDefined();
			expect(state.invitationsOfTeam(t)).toContain(i.id);
		}
	}
	const org = state.org();
	expect(org, 'organization exists').toBeDefined();
	const admin = state.member(org!.primaryAdminId);
	expect(admin, 'primary admin is a member').toBeDefined();
	expect(admin!.role, 'primary admin is an owner').toBe('ORG_OWNER');
	const owners = state.members().filter((m) => m.role === 'ORG_OWNER').length;
	expect(state.ownerCount()).toBe(owners);
	expect(owners).toBeGreaterThanOrEqual(1);
	const { teamMembers } = orgMaps(state.doc);
	const names = new Set<string>();
	for (const team of state.teams()) {
		expect(names.has(teamNameKey(team.name)), `team name ${team.name} is unique`).toBe(false);
		names.add(teamNameKey(team.name));
		expect(state.teamByName(team.name)?.id).toBe(team.id);
	}
	for (const { teamId, userId } of teamMembers.values()) {
		expect(state.member(userId), 'team members are organization members').toBeDefined();
		expect(state.team(teamId), 'memberships belong to existing teams').toBeDefined();
		expect(state.teamsOf(userId)).toContain(teamId);
		expect(state.teamMemberIds(teamId)).toContain(userId);
	}
	const indexed = state.members().reduce((n, m) => n + state.teamsOf(m.userId).length, 0);
	expect(indexed).toBe(teamMembers.size);
	for (const projectId of state.projectIds()) {
		const project = state.project(projectId)!;
		const users = project.users();
		const teams = project.teams();
		for (const u of users) {
			expect(state.member(u.userId), 'assigned users are organization members').toBeDefined();
			expect(state.projectsOfUser(u.userId)).toContain(projectId);
		}
		for (const t of teams) {
			expect(state.team(t.teamId), 'assigned teams belong to the organization').toBeDefined();
			expect(state.projectsOfTeam(t.teamId)).toContain(projectId);
		}
		for (const r of project.joinRequests()) {
			expect(state.member(r.userId), 'join requests come from organization members').toBeDefined();
			expect(state.requestsOf(r.userId)).toContain(projectId);
		}
		if (project.project()?.status !== 'active') continue;
		expect(users.length + teams.length, 'an active project keeps a member').toBeGreaterThan(0);
		const owners = users.filter((u) => u.roles.includes('PROJECT_OWNER')).length;
		const owningTeams = teams.filter((t) => t.roles.includes('PROJECT_OWNER') && state.teamMemberIds(t.teamId).length > 0).length;
		expect(owners + owningTeams, 'an active project keeps an owner').toBeGreaterThan(0);
	}
}

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export function pick<T>(rand: () => number, items: readonly T[]): T {
	return items[Math.floor(rand() * items.length)]!;
}

/** An open, empty invoice: a billing-document row for tests of the document model itself. */
export function openInvoice(): Invoice {
	return { id: '2026-09', period: { start: 0, end: 1 }, final: false, lines: [], totalCents: 0, status: 'open', issuedAt: 0, attempts: [] };
}
