import type { BulkColumn, BulkMode, BulkRow } from './bulk-csv.ts';
import { checkMutation } from './check.ts';
import { expiryDay } from './expiry.ts';
import type { Mutation } from './mutations/index.ts';
import { OverlayState } from './overlay.ts';
import type { RefusalCode } from './refusals.ts';
import { ORG_ROLES, PROJECT_ROLES } from './roles.ts';
import { emailKey, invitationStatus, type Member, type OrgRole, type ProjectRole } from './schemas.ts';
import type { Change, CheckContext, OrgState } from './state.ts';

/**
 * Bulk changes from a CSV file (issue 14 §4), second step: each row turned into the mutations it
 * needs, planned against the organization as it is, then given a verdict by the one rule engine
 * over the organization as the rows before it leave it. So one person twice in a file, or a row
 * undoing what an earlier one needs, is refused here, before anything is sent.
 */

/** One mutation of a row, in words, and the cell it comes from (where its refusal is shown). */
export interface BulkStep {
	mutation: Mutation;
	words: string;
	column: BulkColumn;
}

/** What an accepted row does. */
export type BulkOutcome = 'added' | 'invited' | 'changed' | 'unchanged' | 'removed' | 'uninvited';

export type BulkVerdict = { kind: BulkOutcome } | { kind: 'refused'; message: string; column?: BulkColumn; code?: RefusalCode };

export interface BulkPlan {
	line: number;
	/** The username or address the row names. */
	who: string;
	steps: BulkStep[];
	verdict: BulkVerdict;
}

export interface BulkOptions {
	orgId: string;
	mode: BulkMode;
	/** The organization's projects, found by name (trimmed, case-insensitive). */
	projects: readonly { id: string; name: string }[];
	/** A fresh id for each invitation a row sends. */
	newId: () => string;
}

type Refused = Extract<BulkVerdict, { kind: 'refused' }>;
const refused = (column: BulkColumn, message: string, code?: RefusalCode): Refused => ({ kind: 'refused', message, column, code });
const INVITE_EXPIRY =
	'An invitation cannot carry an expiry: leave the expires column empty for this row, and set the expiry once they have joined.';
const nameKey = (name: string) => name.trim().toLowerCase();
const roleWords = (roles: readonly ProjectRole[]) => roles.map((r) => PROJECT_ROLES[r].label).join(' + ');
const sameRoles = (a: readonly ProjectRole[], b: readonly ProjectRole[]) => a.length === b.length && a.every((r) => b.includes(r));

/** Every row's plan and verdict, in file order. Reads members by address once (O(members)), the rest by key. */
export function planBulk(rows: readonly BulkRow[], state: OrgState, ctx: CheckContext, options: BulkOptions): BulkPlan[] {
	const planner = new Planner(state, ctx, options);
	const after = new OverlayState(state);
	return rows.map((row) => {
		const who = 'username' in row.who ? row.who.username : row.who.email;
		const steps = row.problem ? refused(row.problem.column, row.problem.message) : planner.plan(row);
		if (!Array.isArray(steps)) return { line: row.line, who, steps: [], verdict: steps };
		return { line: row.line, who, steps, verdict: verdictOf(after, ctx, steps) };
	});
}

/**
 * Checks a row's mutations in order over the state the rows before it leave; only a row accepted as a
 * whole is laid over that state for the rows after it.
 */
function verdictOf(after: OverlayState, ctx: CheckContext, steps: readonly BulkStep[]): BulkVerdict {
	if (!steps.length) return { kind: 'unchanged' };
	const row = new OverlayState(after);
	const changes: Change[] = [];
	for (const step of steps) {
		const verdict = checkMutation(row, ctx, step.mutation);
		if (!verdict.ok) return refused(step.column, verdict.message, verdict.code);
		row.apply(verdict.changes);
		changes.push(...verdict.changes);
	}
	const kind = kindOf(after, changes);
	after.apply(changes);
	return { kind };
}

/** What a row's accepted changes do, read against the state before it. */
function kindOf(before: OrgState, changes: readonly Change[]): BulkOutcome {
	const has = (test: (c: Change) => boolean) => changes.some(test);
	if (has((c) => c.kind === 'member.put' && !before.member(c.member.userId))) return 'added';
	if (has((c) => c.kind === 'member.delete')) return 'removed';
	if (has((c) => c.kind === 'invitation.put' && !before.invitation(c.invitation.id))) return 'invited';
	if (has((c) => c.kind === 'invitation.delete')) return 'uninvited';
	return changes.length ? 'changed' : 'unchanged';
}

class Planner {
	private byEmail: Map<string, Member[]> | undefined;
	private readonly projects: Map<string, { id: string; name: string }>;

	constructor(
		private readonly state: OrgState,
		private readonly ctx: CheckContext,
		private readonly options: BulkOptions
	) {
		this.projects = new Map(options.projects.map((p) => [nameKey(p.name), p]));
	}

	plan(row: BulkRow): BulkStep[] | Refused {
		const member = this.memberOf(row);
		if (member && 'kind' in member) return member;
		if (this.options.mode === 'remove') return this.removal(row, member);
		const teams = this.teamIds(row.teams);
		if (!Array.isArray(teams)) return teams;
		const projects = this.projectIds(row.projects);
		if (!Array.isArray(projects)) return projects;
		if (member) return this.expire(member.userId, row.expires, this.change(member, row.role, teams, projects), member);
		if ('email' in row.who) {
			if (row.expires) return refused('expires', INVITE_EXPIRY);
			return this.invite(row.who.email, row.role, teams, projects);
		}
		const { username } = row.who;
		// Known to the server's directory; in the browser, a stand-in id the console replaces once the add is answered (import-run).
		const userId = this.state.userByUsername(username)!.id;
		return this.expire(userId, row.expires, this.add(username, row.role ?? 'ORG_MEMBER', teams, projects));
	}

	/**
	 * A row's expiry is its organization membership's (rules §6): leaving the organization ends its teams and
	 * projects too, so the row's teams and projects get none of their own. Set after the row's other steps, since
	 * a new role clears the membership's expiry; left out when the member already has exactly this one.
	 */
	private expire(userId: string, day: string | undefined, steps: BulkStep[], member?: Member): BulkStep[] {
		if (!day) return steps;
		const at = Date.parse(`${day}T00:00:00Z`);
		const now = member?.expiry;
		const roleChanged = steps.some((s) => s.mutation.type === 'member.setRole');
		if (now && now.at === at && now.then === undefined && !now.blocked && !roleChanged) return steps;
		const words = `Membership ends on ${expiryDay(at)}${now && !roleChanged ? ` (now ${expiryDay(now.at)})` : ''}`;
		const m = { type: 'access.setExpiry', orgId: this.options.orgId, target: { kind: 'member', userId }, expiry: { at } } as const;
		return [...steps, step('expires', words, m)];
	}

	/** The member a row names, if any; a username nobody holds is refused (a client, which knows only members, leaves that to the server). */
	private memberOf(row: BulkRow): Member | Refused | undefined {
		const { state } = this;
		if ('username' in row.who) {
			const user = state.userByUsername(row.who.username);
			if (!user) return refused('username', `No Roster user is called “${row.who.username}”.`, 'USER_NOT_FOUND');
			return state.member(user.id);
		}
		this.byEmail ??= membersByEmail(state);
		const found = this.byEmail.get(emailKey(row.who.email)) ?? [];
		if (found.length > 1) {
			return refused(
				'email',
				`${found.length} members have the address ${row.who.email}: name the one you mean by username.`,
				'AMBIGUOUS_EMAIL'
			);
		}
		return found[0];
	}

	private teamIds(names: readonly string[]): { id: string; name: string }[] | Refused {
		const teams = names.map((name) => this.state.teamByName(name) ?? name);
		const unknown = teams.find((t) => typeof t === 'string');
		if (unknown !== undefined) return refused('teams', `No team is called “${unknown}”.`, 'TEAM_NOT_FOUND');
		return teams as { id: string; name: string }[];
	}

	private projectIds(asked: BulkRow['projects']): Planned[] | Refused {
		const planned: Planned[] = [];
		for (const { name, roles } of asked) {
			const project = this.projects.get(nameKey(name));
			if (!project) return refused('projects', `No project is called “${name}”.`, 'PROJECT_NOT_FOUND');
			planned.push({ ...project, roles });
		}
		return planned;
	}

	private add(username: string, role: OrgRole, teams: Team[], projects: Planned[]): BulkStep[] {
		const { orgId } = this.options;
		return [
			step('username', `Add as ${ORG_ROLES[role].label}${inTeams(teams)}`, {
				type: 'member.add',
				orgId,
				username,
				role,
				teams: teams.map((t) => t.id)
			}),
			...projects.map((p) =>
				step('projects', `Add to ${p.name} as ${roleWords(p.roles)}`, {
					type: 'project.addUser',
					orgId,
					projectId: p.id,
					username,
					roles: p.roles
				})
			)
		];
	}

	private change(member: Member, role: OrgRole | undefined, teams: Team[], projects: Planned[]): BulkStep[] {
		const { orgId } = this.options;
		const { userId } = member;
		const steps: BulkStep[] = [];
		if (role && role !== member.role) {
			const words = `Make ${ORG_ROLES[role].label} (now ${ORG_ROLES[member.role].label})`;
			steps.push(step('role', words, { type: 'member.setRole', orgId, userId, role }));
		}
		for (const team of teams.filter((t) => !this.state.isTeamMember(t.id, userId))) {
			steps.push(step('teams', `Add to team ${team.name}`, { type: 'team.addMember', orgId, teamId: team.id, userId }));
		}
		for (const p of projects) {
			const held = this.state.project(p.id)?.userRoles(userId);
			if (!held) {
				const m = { type: 'project.addUser', orgId, projectId: p.id, username: member.username, roles: p.roles } as const;
				steps.push(step('projects', `Add to ${p.name} as ${roleWords(p.roles)}`, m));
			} else if (!sameRoles(held, p.roles)) {
				const m = { type: 'project.setUserRoles', orgId, projectId: p.id, userId, roles: p.roles } as const;
				steps.push(step('projects', `Make ${roleWords(p.roles)} in ${p.name} (now ${roleWords(held)})`, m));
			}
		}
		return steps;
	}

	/** An address no member holds: invited (the server adds the verified user holding it instead), or placed in more teams if already invited. */
	private invite(email: string, role: OrgRole | undefined, teams: Team[], projects: Planned[]): BulkStep[] | Refused {
		const { orgId, newId } = this.options;
		const projectInvites = () =>
			projects.map((p) =>
				step('projects', `Invite to ${p.name} as ${roleWords(p.roles)}`, {
					type: 'project.invite',
					orgId,
					projectId: p.id,
					inviteId: newId(),
					email,
					roles: p.roles
				})
			);
		const pending = this.state.invitationByEmail(email);
		if (!pending || invitationStatus(pending, this.ctx.now) !== 'pending') {
			const asked = role ?? 'ORG_MEMBER';
			const m = { type: 'member.invite', orgId, inviteId: newId(), email, role: asked, teams: teams.map((t) => t.id) } as const;
			return [step('email', `Invite as ${ORG_ROLES[asked].label}${inTeams(teams)}`, m), ...projectInvites()];
		}
		if (role && role !== pending.role) {
			return refused(
				'role',
				`${email} is already invited as ${ORG_ROLES[pending.role].label}: cancel that invitation to invite them as ${ORG_ROLES[role].label}.`,
				'ALREADY_INVITED'
			);
		}
		const placed = teams.filter((t) => !pending.teams.includes(t.id));
		return [
			...placed.map((t) =>
				step('teams', `Place the invitee in team ${t.name}`, { type: 'team.addInvitee', orgId, teamId: t.id, inviteId: pending.id })
			),
			...projectInvites()
		];
	}

	private removal(row: BulkRow, member: Member | undefined): BulkStep[] | Refused {
		const { orgId } = this.options;
		if (member) return [step('username', 'Remove from the organization', { type: 'member.remove', orgId, userId: member.userId })];
		if ('username' in row.who) return refused('username', `${row.who.username} is not a member of this organization.`, 'MEMBER_NOT_FOUND');
		const invitation = this.state.invitationByEmail(row.who.email);
		if (!invitation) return refused('email', `No member has the address ${row.who.email}, and it is not invited.`, 'INVITATION_NOT_FOUND');
		return [step('email', 'Cancel the invitation', { type: 'member.cancelInvite', orgId, inviteId: invitation.id })];
	}
}

type Team = { id: string; name: string };
type Planned = { id: string; name: string; roles: ProjectRole[] };

const step = (column: BulkColumn, words: string, mutation: Mutation): BulkStep => ({ column, words, mutation });
const inTeams = (teams: readonly Team[]) =>
	teams.length ? `, in team${teams.length > 1 ? 's' : ''} ${teams.map((t) => t.name).join(', ')}` : '';

function membersByEmail(state: OrgState): Map<string, Member[]> {
	const byEmail = new Map<string, Member[]>();
	for (const m of state.rows('member').values()) {
		const key = emailKey(m.email);
		byEmail.set(key, [...(byEmail.get(key) ?? []), m]);
	}
	return byEmail;
}
