import { z } from 'zod';
import {
	expiryDay,
	expiryHolder,
	ExpiryInput,
	ExpiryTarget,
	lesserOrgRole,
	lesserProjectRoles,
	putExpiry,
	type ExpiryHolder,
	type StoredExpiry
} from '../expiry.ts';
import { guardProjects } from '../project-guard.ts';
import { orgClosing, refuse, type Refusal } from '../refusals.ts';
import { ORG_ROLES } from '../roles.ts';
import type { OrgRole, ProjectRole } from '../schemas.ts';
import { guardServiceAccounts } from '../service-accounts.ts';
import type { CheckContext, OrgState } from '../state.ts';
import { accept, type Scope, type Verdict } from '../verdict.ts';
import { defineMutation, roleList, type Names } from './define.ts';
import { MEMBER_MUTATIONS } from './members.ts';
import { PROJECT_MUTATIONS } from './projects.ts';
import { TEAM_MUTATIONS } from './teams.ts';

const byType = <D extends { type: string }, T extends D['type']>(defs: readonly D[], type: T) =>
	defs.find((d) => d.type === type) as Extract<D, { type: T }>;
const SET_ROLE = byType(MEMBER_MUTATIONS, 'member.setRole');
const REMOVE = byType(MEMBER_MUTATIONS, 'member.remove');
const LEAVE_TEAM = byType(TEAM_MUTATIONS, 'team.removeMember');
const SET_ROLES = byType(PROJECT_MUTATIONS, 'project.setUserRoles');
const LEAVE_PROJECT = byType(PROJECT_MUTATIONS, 'project.removeUser');
const SET_TEAM_ROLES = byType(PROJECT_MUTATIONS, 'project.setTeamRoles');
const REMOVE_TEAM = byType(PROJECT_MUTATIONS, 'project.removeTeam');

const gone = (target: ExpiryTarget): Refusal => {
	if (target.kind === 'member') return refuse('MEMBER_NOT_FOUND', 'That user is not a member of this organization.');
	if (target.kind === 'team') return refuse('NOT_TEAM_MEMBER', 'That user is not in that team (any more).');
	if (target.kind === 'projectTeam') return refuse('NOT_ASSIGNED', 'That team is not assigned to that project (any more).');
	return refuse('NOT_ASSIGNED', 'That user is not assigned to that project (any more).');
};

/**
 * rules §6: what the expiry does when it comes due, checked as the same change made by hand would be
 * (its mutation's own rules, then the invariants every path keeps): the changes, or why it cannot happen.
 */
export function expiryOutcome(state: OrgState, ctx: CheckContext, scope: Scope, holder: ExpiryHolder, expiry: StoredExpiry): Verdict {
	const orgId = scope.org.id;
	let verdict: Verdict;
	let type: string;
	if (holder.kind === 'member') {
		const userId = holder.member.userId;
		const then = expiry.then as OrgRole | undefined;
		[type, verdict] = then
			? [SET_ROLE.type, SET_ROLE.check(state, ctx, { type: SET_ROLE.type, orgId, userId, role: then }, scope)]
			: [REMOVE.type, REMOVE.check(state, ctx, { type: REMOVE.type, orgId, userId }, scope)];
	} else if (holder.kind === 'team') {
		const m = { type: LEAVE_TEAM.type, orgId, teamId: holder.teamId, userId: holder.userId };
		[type, verdict] = [m.type, LEAVE_TEAM.check(state, ctx, m, scope)];
	} else {
		const { projectId } = holder;
		// As authorization refuses the change by hand: a closed project's assignments stay as they are.
		const project = state.project(projectId)?.project();
		if (project?.status !== 'active') return refuse('PROJECT_CLOSED', `Project ${project?.name ?? projectId} is closed.`);
		const roles = expiry.then as ProjectRole[] | undefined;
		if (holder.kind === 'project') {
			const userId = holder.userId;
			[type, verdict] = roles
				? [SET_ROLES.type, SET_ROLES.check(state, ctx, { type: SET_ROLES.type, orgId, projectId, userId, roles }, scope)]
				: [LEAVE_PROJECT.type, LEAVE_PROJECT.check(state, ctx, { type: LEAVE_PROJECT.type, orgId, projectId, userId }, scope)];
		} else {
			const teamId = holder.teamId;
			[type, verdict] = roles
				? [SET_TEAM_ROLES.type, SET_TEAM_ROLES.check(state, ctx, { type: SET_TEAM_ROLES.type, orgId, projectId, teamId, roles }, scope)]
				: [REMOVE_TEAM.type, REMOVE_TEAM.check(state, ctx, { type: REMOVE_TEAM.type, orgId, projectId, teamId }, scope)];
		}
	}
	if (!verdict.ok) return verdict;
	return guardProjects(state, verdict.changes) ?? guardServiceAccounts(state, ctx.actorId, type, verdict.changes) ?? verdict;
}

/** The fall-back fits the target's kind and grants strictly less than what it replaces. */
function fallBackRefusal(holder: ExpiryHolder, then: ExpiryInput['then']): Refusal | undefined {
	if (then === undefined) return undefined;
	if (holder.kind === 'team') return refuse('INVALID_MUTATION', 'A team membership has no fall-back: it simply ends.');
	if (holder.kind === 'member') {
		if (typeof then !== 'string') return refuse('INVALID_MUTATION', 'A membership falls back to an organization role.');
		if (lesserOrgRole(then, holder.member.role)) return undefined;
		return refuse(
			'EXPIRY_NOT_LESSER',
			`${ORG_ROLES[then].label} is not a lesser role than ${ORG_ROLES[holder.member.role].label}: choose one that allows less, or none.`
		);
	}
	if (typeof then === 'string') return refuse('INVALID_MUTATION', 'A project assignment falls back to a set of project roles.');
	if (lesserProjectRoles(then, holder.roles)) return undefined;
	return refuse(
		'EXPIRY_NOT_LESSER',
		`${roleList(then)} is not less than ${roleList(holder.roles)}: choose roles that allow less, or none.`
	);
}

function holderName(target: ExpiryTarget, names: Names): string {
	if (target.kind === 'projectTeam') return `team ${names.team(target.teamId)}'s roles in ${names.project(target.projectId)}`;
	const who = names.user(target.userId);
	if (target.kind === 'member') return `${who}'s membership`;
	if (target.kind === 'team') return `${who}'s place in team ${names.team(target.teamId)}`;
	return `${who}'s roles in ${names.project(target.projectId)}`;
}

function thenWords(then: unknown): string {
	if (typeof then === 'string') return `, then ${ORG_ROLES[then as OrgRole].label}`;
	return Array.isArray(then) ? `, then ${roleList(then as ProjectRole[])}` : '';
}

/** The expiry the server acts on must still be the row's, unchanged and not blocked. */
function dueExpiry(state: OrgState, target: ExpiryTarget, at: number): ExpiryHolder | Refusal {
	const holder = expiryHolder(state, target);
	if (!holder) return gone(target);
	if (holder.expiry?.at !== at || holder.expiry.blocked) {
		return refuse('EXPIRY_CHANGED', 'That expiry was changed or cleared meanwhile (or was blocked): nothing was done.');
	}
	return holder;
}

const ServerExpiry = { target: ExpiryTarget, at: z.number().int() };
type ServerExpiry = { target: ExpiryTarget; at: number };

/**
 * A change the server makes to an expiry that is still the row's (applying it, recording its reminder), sent as
 * the holder (a team's assignment: as the primary admin). A closing organization's expiries wait (invariant 8: it is read-only).
 */
function serverExpiryMutation<T extends string>(
	type: T,
	serverOnly: string,
	check: (state: OrgState, ctx: CheckContext, m: ServerExpiry, scope: Scope, holder: ExpiryHolder) => Verdict,
	describe: (m: ServerExpiry, names: Names) => string
) {
	return defineMutation(type, {
		fields: ServerExpiry,
		access: 'member',
		sensitive: false,
		serverOnly,
		check: (state, ctx, m, scope) => {
			if (scope.org.status !== 'active') return orgClosing(scope.org.name);
			const holder = dueExpiry(state, m.target, m.at);
			if ('ok' in holder) return holder;
			return check(state, ctx, m, scope, holder);
		},
		describe
	});
}

/** rules §6 expiring access: set by whoever may make the change by hand; applied and remembered by the server. */
export const EXPIRY_MUTATIONS = [
	// Authorized as the change it stands for (check.ts: expiryAccess), so who may set an expiry is who may make it happen now.
	defineMutation('access.setExpiry', {
		fields: { target: ExpiryTarget, expiry: ExpiryInput.nullable() },
		access: 'member',
		sensitive: true,
		check: (state, ctx, m, scope) => {
			const holder = expiryHolder(state, m.target);
			if (!holder) return gone(m.target);
			if (m.expiry === null) return holder.expiry ? accept(putExpiry(holder, undefined)) : accept();
			if (m.expiry.at <= ctx.now) return refuse('EXPIRY_NOT_FUTURE', 'Choose a moment in the future for access to end.');
			const refusal = fallBackRefusal(holder, m.expiry.then);
			if (refusal) return refusal;
			// The same moment keeps its reminder: it was sent, and the server's record of it is named by the moment.
			const reminded = holder.expiry?.at === m.expiry.at ? holder.expiry.remindedAt : undefined;
			const expiry: StoredExpiry = {
				at: m.expiry.at,
				...(m.expiry.then !== undefined && { then: m.expiry.then }),
				...(reminded !== undefined && { remindedAt: reminded })
			};
			// Refused now what could never be applied: as if the expiry came due at once.
			const outcome = expiryOutcome(state, ctx, scope, holder, expiry);
			if (!outcome.ok) return refuse(outcome.code, `When it expires: ${outcome.message}`);
			return accept(putExpiry(holder, expiry));
		},
		describe: (m, names) =>
			m.expiry === null
				? `Clear the expiry of ${holderName(m.target, names)}`
				: `Make ${holderName(m.target, names)} expire on ${expiryDay(m.expiry.at)}${thenWords(m.expiry.then)}`
	}),

	// The server sends it as the holder (its own access ends, as when leaving), a team's assignment's as the primary admin;
	// the activity entry says the server did.
	serverExpiryMutation(
		'access.expire',
		'Expiries are applied by the server when they come due.',
		(state, ctx, m, scope, holder) => {
			if (m.at > ctx.now) return refuse('EXPIRY_NOT_DUE', 'That expiry has not come due yet.');
			const outcome = expiryOutcome(state, ctx, scope, holder, holder.expiry!);
			if (outcome.ok) return outcome;
			// Not applied: it stays, marked with why, for the owners to settle (rules §6).
			const blocked = { code: outcome.code, reason: outcome.message, at: ctx.now };
			return accept(putExpiry(holder, { ...holder.expiry!, blocked }));
		},
		(m, names) => `Expiry of ${holderName(m.target, names)} on ${expiryDay(m.at)}`
	),

	// Recorded before the reminder is mailed, so a run on any server mails it once.
	serverExpiryMutation(
		'access.remindExpiry',
		'Expiry reminders are recorded by the server as it mails them.',
		(state, ctx, m, scope, holder) => {
			if (holder.expiry!.remindedAt !== undefined) return refuse('EXPIRY_CHANGED', 'That reminder was already sent.');
			return accept(putExpiry(holder, { ...holder.expiry!, remindedAt: ctx.now }));
		},
		(m, names) => `Remind that ${holderName(m.target, names)} expires on ${expiryDay(m.at)}`
	)
] as const;
