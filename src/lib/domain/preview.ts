import { z } from 'zod';
import { canReadProject, projectRoleSources, type RoleSource } from './access.ts';
import { checkMutation } from './check.ts';
import type { Mutation } from './mutations/index.ts';
import type { IndexName } from './doc-indexes.ts';
import { OverlayState } from './overlay.ts';
import { REFUSAL_CODES } from './refusals.ts';
import { ORG_ROLES } from './roles.ts';
import { Email, Id, invitationStatus, OrgRole, ProjectRole } from './schemas.ts';
import type { Change, CheckContext, OrgState } from './state.ts';

/**
 * Foresight (docs/rules.md, Preview): what a batch of mutations would change of who holds what, before it is
 * sent. Each entry is checked in order over an overlay, so later ones see earlier ones (a refused
 * one changes nothing); then each person the accepted changes touch is read before and after.
 * The people and projects come from the changes themselves and the kept indexes (a team's members,
 * its projects), never from a scan of the organization: the cost follows what the change touches.
 */

/** A member by id (and username), or an invitee by the address invited. */
export const PreviewPerson = z.union([z.object({ userId: Id, username: z.string() }), z.object({ email: Email })]);
export type PreviewPerson = z.infer<typeof PreviewPerson>;

/** Where project roles come from besides organization ownership (which is its own line: the organization role's). */
export const PreviewVia = z.union([z.literal('individual'), z.object({ teamId: Id, team: z.string() })]);
export type PreviewVia = z.infer<typeof PreviewVia>;

/** One piece of effective access a person holds (or, for an invitee, would hold on accepting). */
export const PreviewAccess = z.discriminatedUnion('kind', [
	/** The organization role, with the project roles it holds in every project (an owner's). */
	z.object({ kind: z.literal('orgRole'), role: OrgRole, everyProject: z.array(ProjectRole) }),
	z.object({ kind: z.literal('team'), teamId: Id, team: z.string() }),
	z.object({ kind: z.literal('projectRoles'), projectId: Id, project: z.string(), roles: z.array(ProjectRole), via: z.array(PreviewVia) }),
	z.object({ kind: z.literal('orgInvitation'), role: OrgRole }),
	/** A team an invitation places its invitee in on accepting. */
	z.object({ kind: z.literal('invitedTeam'), teamId: Id, team: z.string() }),
	z.object({ kind: z.literal('projectInvitation'), projectId: Id, project: z.string(), roles: z.array(ProjectRole) })
]);
export type PreviewAccess = z.infer<typeof PreviewAccess>;

export const AccessChange = z.object({ person: PreviewPerson, access: PreviewAccess });
export type AccessChange = z.infer<typeof AccessChange>;

/** An entry's verdict: accepted, or the refusal it would meet. */
export const PreviewVerdict = z.union([
	z.object({ ok: z.literal(true) }),
	z.object({ ok: z.literal(false), code: z.enum(REFUSAL_CODES), message: z.string() })
]);
export type PreviewVerdict = z.infer<typeof PreviewVerdict>;

export const Preview = z.object({ verdicts: z.array(PreviewVerdict), gains: z.array(AccessChange), losses: z.array(AccessChange) });
export type Preview = z.infer<typeof Preview>;

/**
 * The overlay once every accepted change is laid on: read many times and changed no more, so each
 * index read (a member's teams, read once per project compared) is worked out once.
 */
class SettledOverlay extends OverlayState {
	private readonly looked = new Map<string, string[]>();
	private settled = false;

	settle() {
		this.settled = true;
	}
	lookup(index: IndexName, key: string) {
		if (!this.settled) return super.lookup(index, key);
		const k = `${index}/${key}`;
		const values = this.looked.get(k) ?? super.lookup(index, key);
		this.looked.set(k, values);
		return [...values];
	}
}

/** Whom the accepted changes touch, and where: members (their teams and projects to compare) and invitees. */
class Touched {
	readonly members = new Map<string, { role: boolean; teams: Set<string>; projects: Set<string> }>();
	readonly invitees = new Map<string, { org: boolean; projects: Set<string> }>();

	member(userId: string) {
		let m = this.members.get(userId);
		if (!m) this.members.set(userId, (m = { role: false, teams: new Set(), projects: new Set() }));
		return m;
	}
	invitee(email: string) {
		const key = email.trim().toLowerCase();
		let i = this.invitees.get(key);
		if (!i) this.invitees.set(key, (i = { org: false, projects: new Set() }));
		return i;
	}
}

/** The people and projects a batch's changes touch, read from both sides (a deleted row is known before, a new one after). */
function touchedBy(changes: readonly Change[], before: OrgState, after: OrgState): Touched {
	const t = new Touched();
	const both = (read: (s: OrgState) => string[]) => new Set([...read(before), ...read(after)]);
	for (const c of changes) {
		switch (c.kind) {
			case 'member.put':
				t.member(c.member.userId).role = true;
				break;
			case 'member.delete':
				t.member(c.userId).role = true;
				break;
			case 'teamMember.put':
			case 'teamMember.delete': {
				const m = t.member(c.userId);
				m.teams.add(c.teamId);
				for (const p of both((s) => s.projectsOfTeam(c.teamId))) m.projects.add(p);
				break;
			}
			case 'projectUser.put':
			case 'projectUser.delete':
				t.member(c.userId).projects.add(c.projectId);
				break;
			case 'projectTeam.put':
			case 'projectTeam.delete':
				for (const userId of both((s) => s.teamMemberIds(c.teamId))) t.member(userId).projects.add(c.projectId);
				break;
			case 'invitation.put':
			case 'invitation.delete': {
				const id = c.kind === 'invitation.put' ? c.invitation.id : c.inviteId;
				const emails = [before.invitation(id)?.email, c.kind === 'invitation.put' ? c.invitation.email : undefined];
				for (const email of emails) if (email) t.invitee(email).org = true;
				break;
			}
			case 'projectInvitation.put':
			case 'projectInvitation.delete': {
				const id = c.kind === 'projectInvitation.put' ? c.invitation.id : c.inviteId;
				const emails = [
					before.project(c.projectId)?.invitation(id)?.email,
					c.kind === 'projectInvitation.put' ? c.invitation.email : undefined
				];
				for (const email of emails) if (email) t.invitee(email).projects.add(c.projectId);
				break;
			}
		}
	}
	return t;
}

const viaKey = (via: readonly PreviewVia[]) => via.map((v) => (v === 'individual' ? v : v.teamId)).join(',');

/** The project roles an organization role holds in every project (an owner's). */
const everyProject = (role: OrgRole) => [...ORG_ROLES[role].implicitProjectRoles];

/** Reads both sides of a change and writes what differs. */
class Diff {
	readonly gains: AccessChange[] = [];
	readonly losses: AccessChange[] = [];

	constructor(
		private readonly before: OrgState,
		private readonly after: OrgState,
		private readonly now: number
	) {}

	private team(id: string) {
		return this.before.team(id)?.name ?? this.after.team(id)?.name ?? 'a deleted team';
	}
	private project(id: string) {
		return this.after.project(id)?.project()?.name ?? this.before.project(id)?.project()?.name ?? 'a project';
	}
	private add(side: 'gains' | 'losses', person: PreviewPerson, access: PreviewAccess) {
		this[side].push({ person, access });
	}

	member(userId: string, scope: { teams: Set<string>; projects: Set<string> }) {
		const [was, is] = [this.before.member(userId), this.after.member(userId)];
		const username = was?.username ?? is?.username ?? this.after.user(userId)?.username;
		if (!username) return;
		const person = { userId, username };
		if (was?.role !== is?.role) {
			if (was) this.add('losses', person, { kind: 'orgRole', role: was.role, everyProject: everyProject(was.role) });
			if (is) this.add('gains', person, { kind: 'orgRole', role: is.role, everyProject: everyProject(is.role) });
		}
		for (const teamId of scope.teams) {
			const [held, holds] = [this.before.isTeamMember(teamId, userId), this.after.isTeamMember(teamId, userId)];
			if (held !== holds) this.add(holds ? 'gains' : 'losses', person, { kind: 'team', teamId, team: this.team(teamId) });
		}
		for (const projectId of scope.projects) {
			const [was, is] = [projectRoleSources(this.before, projectId, userId), projectRoleSources(this.after, projectId, userId)];
			this.projectRoles(person, projectId, was, is, 'losses');
			this.projectRoles(person, projectId, is, was, 'gains');
		}
	}

	/**
	 * The roles the sources `from` give in a project that `to` do not (a role kept through another
	 * team or individually is not lost), grouped by the sources that give them in `from`. Roles only
	 * organization ownership gives are the organization role's line, not one per project.
	 */
	private projectRoles(person: PreviewPerson, projectId: string, from: RoleSource[], to: RoleSource[], side: 'gains' | 'losses') {
		const kept = new Set(to.flatMap((s) => s.roles));
		const groups = new Map<string, { roles: ProjectRole[]; via: PreviewVia[] }>();
		for (const role of ProjectRole.options) {
			if (kept.has(role)) continue;
			const via = from.flatMap(({ via, roles }): PreviewVia[] => {
				if (via === 'organization' || !roles.includes(role)) return [];
				return [via === 'individual' ? via : { teamId: via.teamId, team: this.team(via.teamId) }];
			});
			if (!via.length) continue;
			const group = groups.get(viaKey(via)) ?? { roles: [], via };
			groups.set(viaKey(via), group);
			group.roles.push(role);
		}
		for (const g of groups.values()) this.add(side, person, { kind: 'projectRoles', projectId, project: this.project(projectId), ...g });
	}

	invitee(email: string, scope: { org: boolean; projects: Set<string> }) {
		const person = { email };
		const pending = <T extends { expiresAt: number }>(i: T | undefined) =>
			i && invitationStatus(i, this.now) === 'pending' ? i : undefined;
		if (scope.org) {
			const [was, is] = [pending(this.before.invitationByEmail(email)), pending(this.after.invitationByEmail(email))];
			if (was?.role !== is?.role) {
				if (was) this.add('losses', person, { kind: 'orgInvitation', role: was.role });
				if (is) this.add('gains', person, { kind: 'orgInvitation', role: is.role });
			}
			const [had, has] = [new Set(was?.teams ?? []), new Set(is?.teams ?? [])];
			for (const teamId of had) if (!has.has(teamId)) this.add('losses', person, { kind: 'invitedTeam', teamId, team: this.team(teamId) });
			for (const teamId of has) if (!had.has(teamId)) this.add('gains', person, { kind: 'invitedTeam', teamId, team: this.team(teamId) });
		}
		for (const projectId of scope.projects) {
			const roles = (s: OrgState) => pending(s.project(projectId)?.invitationByEmail(email))?.roles ?? [];
			const [had, has] = [roles(this.before), roles(this.after)];
			const lost = had.filter((r) => !has.includes(r));
			const gained = has.filter((r) => !had.includes(r));
			const project = this.project(projectId);
			if (lost.length) this.add('losses', person, { kind: 'projectInvitation', projectId, project, roles: lost });
			if (gained.length) this.add('gains', person, { kind: 'projectInvitation', projectId, project, roles: gained });
		}
	}
}

/** A batch checked in order: each entry's verdict, and the accepted changes laid over the state. */
export interface CheckedBatch {
	verdicts: PreviewVerdict[];
	changes: Change[];
	after: OrgState;
}

/**
 * The server previews at most this many row changes at once: comparing everyone they touch is the
 * costly part, so a batch beyond it is turned away before that (checking it is cheap).
 */
export const PREVIEW_MAX_CHANGES = 2_000;

/** Checks each mutation in order over `state`: later entries see earlier accepted ones, a refused one changes nothing. */
export function checkBatch(state: OrgState, ctx: CheckContext, mutations: readonly Mutation[]): CheckedBatch {
	const after = new SettledOverlay(state);
	const changes: Change[] = [];
	const verdicts = mutations.map((m): PreviewVerdict => {
		const verdict = checkMutation(after, ctx, m);
		if (!verdict.ok) return verdict;
		after.apply(verdict.changes);
		changes.push(...verdict.changes);
		return { ok: true };
	});
	after.settle();
	return { verdicts, changes, after };
}

/** Who would gain and who would lose what if every accepted change of the batch were applied to `state`. */
export function batchPreview(state: OrgState, now: number, { verdicts, changes, after }: CheckedBatch): Preview {
	const touched = touchedBy(changes, state, after);
	const diff = new Diff(state, after, now);
	for (const [userId, scope] of touched.members) diff.member(userId, scope);
	for (const [email, scope] of touched.invitees) diff.invitee(email, scope);
	return { verdicts, gains: diff.gains, losses: diff.losses };
}

/** Checks the batch and says who gains and who loses what (the console's preview of its own changes). Changes nothing. */
export function previewMutations(state: OrgState, ctx: CheckContext, mutations: readonly Mutation[]): Preview {
	return batchPreview(state, ctx.now, checkBatch(state, ctx, mutations));
}

/**
 * What `userId` may read of a preview (rules §2, as the other reads): the organization's members,
 * teams and invitations, and the projects it may read; a project the batch itself creates is its own.
 */
export function previewReadBy(state: OrgState, preview: Preview, userId: string): Preview {
	const readable = (c: AccessChange) =>
		!('projectId' in c.access) || !state.project(c.access.projectId)?.project() || canReadProject(state, c.access.projectId, userId);
	return { verdicts: preview.verdicts, gains: preview.gains.filter(readable), losses: preview.losses.filter(readable) };
}
