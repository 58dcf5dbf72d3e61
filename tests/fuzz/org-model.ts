import * as Y from 'yjs';
import { orgMaps, parseMutation, teamNameKey, type Mutation, type OrgRole, type RefusalCode } from '$lib/domain/index.ts';

/**
 * A reference model of the organization rules the fuzz run exercises, written apart
 * from src/lib/domain so that the server's verdicts are checked against a second
 * reading of rules §2–3 rather than against themselves. Only parsing is shared.
 */

export type Outcome = { ok: true } | { ok: false; code: RefusalCode };

export interface ModelUser {
	id: string;
	username: string;
	email: string;
	verified: boolean;
}

interface ModelMember {
	role: OrgRole;
	emailVerified: boolean;
}

interface ModelOrg {
	id: string;
	name: string;
	primaryAdminId: string;
	members: Map<string, ModelMember>;
	teams: Map<string, string>;
	/** "teamId/userId" */
	teamMembers: Set<string>;
}

/** What is compared between the model, the server's store and every replica. */
export interface Snapshot {
	org: { id: string; name: string; status: string; primaryAdminId: string };
	members: Record<string, { role: string; username: string; email: string; emailVerified: boolean }>;
	teams: Record<string, string>;
	teamMembers: string[];
}

const ok: Outcome = { ok: true };
const no = (code: RefusalCode): Outcome => ({ ok: false, code });

export function sameOutcome(a: Outcome, b: Outcome): boolean {
	return a.ok === b.ok && (a.ok || a.code === (b as { code: string }).code);
}

export function showOutcome(o: Outcome | undefined): string {
	return o === undefined ? 'lost' : o.ok ? 'ok' : o.code;
}

export class RosterModel {
	constructor(
		readonly users = new Map<string, ModelUser>(),
		private orgs = new Map<string, ModelOrg>(),
		/** First verdict per "userId\0mutationId": a repeated id is answered with it and changes nothing. */
		private readonly verdicts = new Map<string, Outcome>()
	) {}

	clone(): RosterModel {
		const users = new Map([...this.users].map(([k, u]) => [k, { ...u }]));
		const orgs = new Map(
			[...this.orgs].map(([k, o]) => [
				k,
				{
					...o,
					members: new Map([...o.members].map(([id, m]) => [id, { ...m }])),
					teams: new Map(o.teams),
					teamMembers: new Set(o.teamMembers)
				}
			])
		);
		return new RosterModel(users, orgs, new Map(this.verdicts));
	}

	addUser(user: ModelUser) {
		this.users.set(user.id, { ...user });
	}

	/** The user verified its email: the directory and every member copy of the profile follow. */
	verify(userId: string) {
		this.users.get(userId)!.verified = true;
		for (const org of this.orgs.values()) {
			const m = org.members.get(userId);
			if (m) m.emailVerified = true;
		}
	}

	orgIds(): string[] {
		return [...this.orgs.keys()].sort();
	}
	hasOrg(orgId: string) {
		return this.orgs.has(orgId);
	}
	isMember(orgId: string, userId: string) {
		return this.orgs.get(orgId)?.members.has(userId) ?? false;
	}
	role(orgId: string, userId: string): OrgRole | undefined {
		return this.orgs.get(orgId)?.members.get(userId)?.role;
	}
	primaryAdmin(orgId: string) {
		return this.orgs.get(orgId)?.primaryAdminId;
	}
	memberIds(orgId: string): string[] {
		return [...(this.orgs.get(orgId)?.members.keys() ?? [])];
	}
	teamIds(orgId: string): string[] {
		return [...(this.orgs.get(orgId)?.teams.keys() ?? [])];
	}
	/** Org ids the user owns, sorted. */
	ownedBy(userId: string): string[] {
		return this.orgIds().filter((id) => this.role(id, userId) === 'ORG_OWNER');
	}
	/** Org ids the user belongs to, sorted. */
	membershipsOf(userId: string): string[] {
		return this.orgIds().filter((id) => this.isMember(id, userId));
	}

	/** One mutation from `actorId` under mutation id `id`; applies it if accepted. */
	submit(actorId: string, id: string, body: unknown): Outcome {
		const key = `${actorId}\u0000${id}`;
		const seen = this.verdicts.get(key);
		if (seen) return seen;
		const outcome = this.check(actorId, body);
		this.verdicts.set(key, outcome);
		return outcome;
	}

	private check(actorId: string, body: unknown): Outcome {
		const parsed = parseMutation(body);
		if (!parsed.ok) return no(parsed.code);
		const m: Mutation = parsed.mutation;
		const org = this.orgs.get(m.orgId);
		if (m.type === 'org.create') {
			if (org) return no('ORG_EXISTS');
			const user = this.users.get(actorId)!;
			this.orgs.set(m.orgId, {
				id: m.orgId,
				name: m.name,
				primaryAdminId: actorId,
				members: new Map([[actorId, { role: 'ORG_OWNER', emailVerified: user.verified }]]),
				teams: new Map(),
				teamMembers: new Set()
			});
			return ok;
		}
		const actor = org?.members.get(actorId);
		if (!org || !actor) return no('NOT_A_MEMBER');
		const owners = () => [...org.members.values()].filter((x) => x.role === 'ORG_OWNER').length;
		/** Invariant 1 on every path that takes an owner away. */
		const guard = (userId: string, primaryCode: RefusalCode): Outcome | undefined => {
			if (userId === org.primaryAdminId) return no(primaryCode);
			if (org.members.get(userId)!.role === 'ORG_OWNER' && owners() <= 1) return no('LAST_OWNER');
			return undefined;
		};
		const drop = (userId: string) => {
			org.members.delete(userId);
			for (const key of [...org.teamMembers]) if (key.endsWith(`/${userId}`)) org.teamMembers.delete(key);
		};

		if (m.type === 'member.leave') {
			const refusal = guard(actorId, 'PRIMARY_ADMIN_LEAVE');
			if (refusal) return refusal;
			drop(actorId);
			return ok;
		}
		if (m.type === 'org.transferPrimaryAdmin') {
			if (org.primaryAdminId !== actorId) return no('FORBIDDEN');
			const target = org.members.get(m.userId);
			if (!target) return no('MEMBER_NOT_FOUND');
			if (m.userId === org.primaryAdminId) return no('ALREADY_PRIMARY_ADMIN');
			if (!this.users.get(m.userId)?.verified) return no('EMAIL_NOT_VERIFIED');
			org.primaryAdminId = m.userId;
			target.role = 'ORG_OWNER';
			return ok;
		}
		// Everything else the fuzz sends needs an organization owner.
		if (actor.role !== 'ORG_OWNER') return no('FORBIDDEN');
		switch (m.type) {
			case 'org.rename':
				org.name = m.name;
				return ok;
			case 'member.add': {
				const user = [...this.users.values()].find((u) => u.username === m.username);
				if (!user) return no('USER_NOT_FOUND');
				if (org.members.has(user.id)) return no('ALREADY_MEMBER');
				org.members.set(user.id, { role: m.role, emailVerified: user.verified });
				return ok;
			}
			case 'member.setRole': {
				const target = org.members.get(m.userId);
				if (!target) return no('MEMBER_NOT_FOUND');
				if (target.role === m.role) return ok;
				if (m.role !== 'ORG_OWNER') {
					const refusal = guard(m.userId, 'PRIMARY_ADMIN_ROLE');
					if (refusal) return refusal;
				}
				target.role = m.role;
				return ok;
			}
			case 'member.remove': {
				if (!org.members.has(m.userId)) return no('MEMBER_NOT_FOUND');
				const refusal = guard(m.userId, 'PRIMARY_ADMIN_REMOVAL');
				if (refusal) return refusal;
				drop(m.userId);
				return ok;
			}
			case 'team.create': {
				if (org.teams.has(m.teamId)) return no('TEAM_EXISTS');
				if ([...org.teams.values()].some((n) => teamNameKey(n) === teamNameKey(m.name))) return no('TEAM_NAME_TAKEN');
				org.teams.set(m.teamId, m.name);
				return ok;
			}
			case 'team.addMember': {
				if (!org.teams.has(m.teamId)) return no('TEAM_NOT_FOUND');
				if (!org.members.has(m.userId)) return no('MEMBER_NOT_FOUND');
				const key = `${m.teamId}/${m.userId}`;
				if (org.teamMembers.has(key)) return no('ALREADY_TEAM_MEMBER');
				org.teamMembers.add(key);
				return ok;
			}
			case 'team.delete': {
				if (!org.teams.has(m.teamId)) return no('TEAM_NOT_FOUND');
				for (const key of [...org.teamMembers]) if (key.startsWith(`${m.teamId}/`)) org.teamMembers.delete(key);
				org.teams.delete(m.teamId);
				return ok;
			}
			default:
				throw new Error(`the fuzz model does not know ${m.type}`);
		}
	}

	snapshot(orgId: string): Snapshot | undefined {
		const org = this.orgs.get(orgId);
		if (!org) return undefined;
		const members: Snapshot['members'] = {};
		for (const [id, m] of [...org.members].sort(([a], [b]) => a.localeCompare(b))) {
			const user = this.users.get(id)!;
			members[id] = { role: m.role, username: user.username, email: user.email, emailVerified: m.emailVerified };
		}
		return {
			org: { id: org.id, name: org.name, status: 'active', primaryAdminId: org.primaryAdminId },
			members,
			teams: Object.fromEntries([...org.teams].sort(([a], [b]) => a.localeCompare(b))),
			teamMembers: [...org.teamMembers].sort()
		};
	}
}

/** The same view of an organization document (a replica's or one rebuilt from the store). */
export function snapshotOf(doc: Y.Doc | undefined): Snapshot | undefined {
	if (!doc) return undefined;
	const { meta, members, teams, teamMembers } = orgMaps(doc);
	const org = meta.get('org');
	if (!org) return undefined;
	const out: Snapshot = {
		org: { id: org.id, name: org.name, status: org.status, primaryAdminId: org.primaryAdminId },
		members: {},
		teams: {},
		teamMembers: [...teamMembers.keys()].sort()
	};
	for (const [id, m] of [...members.entries()].sort(([a], [b]) => a.localeCompare(b))) {
		out.members[id] = { role: m.role, username: m.username, email: m.email, emailVerified: m.emailVerified };
	}
	for (const [id, t] of [...teams.entries()].sort(([a], [b]) => a.localeCompare(b))) out.teams[id] = t.name;
	return out;
}

/** rules §3 invariant 1 (one primary admin, an ORG_OWNER member; at least one owner) and invariant 3 for teams. */
export function invariantViolations(s: Snapshot): string[] {
	const problems: string[] = [];
	const admin = s.members[s.org.primaryAdminId];
	if (!admin) problems.push(`primary admin ${s.org.primaryAdminId} is not a member`);
	else if (admin.role !== 'ORG_OWNER') problems.push(`primary admin ${s.org.primaryAdminId} is ${admin.role}`);
	if (!Object.values(s.members).some((m) => m.role === 'ORG_OWNER')) problems.push('no ORG_OWNER');
	for (const key of s.teamMembers) {
		const [teamId, userId] = key.split('/') as [string, string];
		if (!(teamId in s.teams)) problems.push(`team member ${key} of a missing team`);
		if (!(userId in s.members)) problems.push(`team member ${key} is not an organization member`);
	}
	return problems;
}
