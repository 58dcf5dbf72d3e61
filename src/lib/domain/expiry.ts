import { z } from 'zod';
import { teamMemberKey } from './model.ts';
import { ORG_ROLES, PROJECT_ROLES } from './roles.ts';
import {
	Id,
	OrgRole,
	ProjectRoles,
	type AssignmentExpiry,
	type Member,
	type MemberExpiry,
	type ProjectRole,
	type TeamExpiry
} from './schemas.ts';
import type { Change, OrgState } from './state.ts';

/** rules §6: the mail reminding the holder and the owners goes out this long before an expiry. */
export const EXPIRY_REMINDER_MS = 7 * 24 * 3600 * 1000;

/** What an expiry is set on: an organization membership, a team membership, a user's or a team's project assignment. */
export const ExpiryTarget = z.discriminatedUnion('kind', [
	z.strictObject({ kind: z.literal('member'), userId: Id }),
	z.strictObject({ kind: z.literal('team'), teamId: Id, userId: Id }),
	z.strictObject({ kind: z.literal('project'), projectId: Id, userId: Id }),
	z.strictObject({ kind: z.literal('projectTeam'), projectId: Id, teamId: Id })
]);
export type ExpiryTarget = z.infer<typeof ExpiryTarget>;

/** An expiry as set: when, and the fall-back (an organization role for a member, project roles for an assignment, none for a team). */
export const ExpiryInput = z.strictObject({
	at: z.number({ error: 'Choose a date' }).int().min(0).max(8.64e15),
	then: z.union([OrgRole, ProjectRoles]).optional()
});
export type ExpiryInput = z.infer<typeof ExpiryInput>;

/** One row's expiry, as kept: the fields every kind shares (the fall-back is read per kind). */
export type StoredExpiry = { at: number; remindedAt?: number; blocked?: { code: string; reason: string; at: number }; then?: unknown };

/** The row an expiry lives on, as it stands. */
export type ExpiryHolder =
	| { kind: 'member'; member: Member; expiry?: MemberExpiry }
	| { kind: 'team'; teamId: string; userId: string; expiry?: TeamExpiry }
	| { kind: 'project'; projectId: string; userId: string; roles: ProjectRole[]; expiry?: AssignmentExpiry }
	| { kind: 'projectTeam'; projectId: string; teamId: string; roles: ProjectRole[]; expiry?: AssignmentExpiry };

/** The row the target names, if it exists. */
export function expiryHolder(state: OrgState, target: ExpiryTarget): ExpiryHolder | undefined {
	switch (target.kind) {
		case 'member': {
			const member = state.member(target.userId);
			return member && { kind: 'member', member, expiry: member.expiry };
		}
		case 'team': {
			const row = state.team(target.teamId) ? state.row('teamMember', teamMemberKey(target.teamId, target.userId)) : undefined;
			return row && { kind: 'team', teamId: row.teamId, userId: row.userId, expiry: row.expiry };
		}
		case 'project': {
			const row = state.row('projectUser', target.userId, target.projectId);
			return row && { kind: 'project', projectId: target.projectId, userId: row.userId, roles: row.roles, expiry: row.expiry };
		}
		case 'projectTeam': {
			const row = state.row('projectTeam', target.teamId, target.projectId);
			return row && { kind: 'projectTeam', projectId: target.projectId, teamId: row.teamId, roles: row.roles, expiry: row.expiry };
		}
	}
}

/** A member row without its expiry: a role change replaces the membership's terms (rules §6). */
export function withoutExpiry(member: Member): Member {
	const { expiry: _dropped, ...rest } = member;
	return rest;
}

/** The change that puts the holder's row back with this expiry (none: cleared). */
export function putExpiry(holder: ExpiryHolder, expiry: StoredExpiry | undefined): Change {
	switch (holder.kind) {
		case 'member':
			return { kind: 'member.put', member: { ...withoutExpiry(holder.member), ...(expiry && { expiry: expiry as MemberExpiry }) } };
		case 'team':
			return { kind: 'teamMember.put', teamId: holder.teamId, userId: holder.userId, ...(expiry && { expiry }) };
		case 'project':
			return {
				kind: 'projectUser.put',
				projectId: holder.projectId,
				userId: holder.userId,
				roles: holder.roles,
				...(expiry && { expiry: expiry as AssignmentExpiry })
			};
		case 'projectTeam':
			return {
				kind: 'projectTeam.put',
				projectId: holder.projectId,
				teamId: holder.teamId,
				roles: holder.roles,
				...(expiry && { expiry: expiry as AssignmentExpiry })
			};
	}
}

/** The kinds of change an expiry stands for, whose access setting one needs. */
export const EXPIRY_ACCESS = ['member.setRole', 'team.removeMember', 'project.setUserRoles', 'project.setTeamRoles'] as const;

/** The kind of change whose access setting an expiry needs: the one that would make the same change by hand. */
export function expiryAccess(target: ExpiryTarget): { type: (typeof EXPIRY_ACCESS)[number]; projectId?: string } {
	if (target.kind === 'member') return { type: 'member.setRole' };
	if (target.kind === 'team') return { type: 'team.removeMember' };
	if (target.kind === 'projectTeam') return { type: 'project.setTeamRoles', projectId: target.projectId };
	return { type: 'project.setUserRoles', projectId: target.projectId };
}

const orgGrants = (role: OrgRole) => new Set<string>([...ORG_ROLES[role].may, ...ORG_ROLES[role].implicitProjectRoles]);
const projectGrants = (roles: readonly ProjectRole[]) => new Set<string>(roles.flatMap((r) => PROJECT_ROLES[r].may));
const strictlyLess = (less: Set<string>, more: Set<string>) => less.size < more.size && [...less].every((a) => more.has(a));

/** rules §6: a fall-back grants strictly less than what it replaces (every action of it, and not all of the current ones). */
export const lesserOrgRole = (then: OrgRole, now: OrgRole) => strictlyLess(orgGrants(then), orgGrants(now));
export const lesserProjectRoles = (then: readonly ProjectRole[], now: readonly ProjectRole[]) =>
	strictlyLess(projectGrants(then), projectGrants(now));

/** Every row of the organization carrying an expiry, read from the kept indexes (no scan of the members). */
export function expiryTargets(state: OrgState): ExpiryTarget[] {
	const split = (key: string) => {
		const at = key.indexOf('/');
		return [key.slice(0, at), key.slice(at + 1)] as const;
	};
	return [
		...state.lookup('expiringMembers', '').map((userId): ExpiryTarget => ({ kind: 'member', userId })),
		...state.lookup('expiringTeamMembers', '').map((key): ExpiryTarget => {
			const [teamId, userId] = split(key);
			return { kind: 'team', teamId, userId };
		}),
		...state.lookup('expiringAssignments', '').map((key): ExpiryTarget => {
			const [projectId, userId] = split(key);
			return { kind: 'project', projectId, userId };
		}),
		...state.lookup('expiringTeamAssignments', '').map((key): ExpiryTarget => {
			const [projectId, teamId] = split(key);
			return { kind: 'projectTeam', projectId, teamId };
		})
	];
}

/**
 * rules §6: the next moment the server's expiry run has something to do in this organization: the
 * earliest, over its rows carrying an expiry not blocked, of the reminder 7 days before while not yet
 * reminded, else the expiry itself (the run's own choice, in expiry-run.ts). None without one, or in
 * an organization not active, which the run leaves alone: the server visits only the organizations
 * whose moment has passed. Reads the expiry rows through the kept indexes only.
 */
export function nextExpiryDue(state: OrgState): number | undefined {
	if (state.org()?.status !== 'active') return undefined;
	let next: number | undefined;
	for (const target of expiryTargets(state)) {
		const expiry = expiryHolder(state, target)?.expiry;
		if (!expiry || expiry.blocked) continue;
		const due = expiry.remindedAt === undefined ? expiry.at - EXPIRY_REMINDER_MS : expiry.at;
		if (next === undefined || due < next) next = due;
	}
	return next;
}

/** A target as a stable key: the server's mutation ids for one expiry are made of it and the expiry's moment. */
export function expiryKey(target: ExpiryTarget): string {
	if (target.kind === 'member') return `member:${target.userId}`;
	if (target.kind === 'team') return `team:${target.teamId}/${target.userId}`;
	if (target.kind === 'projectTeam') return `projectTeam:${target.projectId}/${target.teamId}`;
	return `project:${target.projectId}/${target.userId}`;
}

/** A day in words for descriptions and mail ("1 March 2027", in UTC: the same for every reader of the log). */
export function expiryDay(at: number): string {
	return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(at);
}
