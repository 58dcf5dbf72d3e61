import { z } from 'zod';
import { effectiveProjectRoles } from './access.ts';
import { memberOf } from './members.ts';
import { MUTATION_ACCESS, MUTATION_TYPES, Mutation, type MutationOf, type MutationType } from './mutations.ts';
import { BILLING_HANDLERS } from './billing-rules.ts';
import { CONTACT_HANDLERS } from './contacts.ts';
import { NOTIFICATION_HANDLERS } from './notifications.ts';
import { DEPLOYMENT_HANDLERS } from './deployment-rules.ts';
import { JOINING_HANDLERS, acceptInvitation } from './invitation-rules.ts';
import { guardManaged, managedElsewhere, managedElsewhereActor } from './managed-users.ts';
import { PROJECT_HANDLERS, guardProjects } from './project-rules.ts';
import { SECURITY_HANDLERS, lacksRequiredTwoFactor, securityGate } from './security.ts';
import { orgClosing, refuse, type Refusal, type RefusalCode } from './refusals.ts';
import { unknownFields } from './text.ts';
import {
	ORG_ROLES,
	PRIMARY_ADMIN_ACTIONS,
	PROJECT_ROLES,
	projectRolesMay,
	roleMay,
	type OrgAction,
	type ProjectAction
} from './roles.ts';
import type { Member, Organization } from './schemas.ts';
import type { Change, CheckContext, OrgState } from './state.ts';
import { accept, displayName as name, type Handler, type Scope, type Verdict } from './verdict.ts';

export type { Verdict } from './verdict.ts';

/** Turns untrusted input (a network frame, a form) into a mutation or a refusal; never throws. */
export function parseMutation(input: unknown): { ok: true; mutation: Mutation } | Refusal {
	const result = Mutation.safeParse(input);
	if (result.success) return { ok: true, mutation: result.data };
	const type = (input as { type?: unknown } | null)?.type;
	if (typeof type !== 'string' || !(MUTATION_TYPES as string[]).includes(type)) {
		const shown = typeof type === 'string' ? type.slice(0, 40) : typeof type;
		return refuse('UNKNOWN_MUTATION', `“${shown}” is not a change Roster knows.`);
	}
	const unknown = unknownFields(result.error);
	if (unknown) return refuse('INVALID_MUTATION', `${unknown} in ${type}.`);
	return refuse('INVALID_MUTATION', z.prettifyError(result.error).replace(/\s*\n\s*/g, ' '));
}

export const NOT_A_MEMBER = refuse('NOT_A_MEMBER', 'You are not a member of this organization.');

const ACTION_WORDS: Record<string, string> = {
	'org.rename': 'rename the organization',
	'members.manage': 'add or remove members or change their roles',
	'org.transferPrimaryAdmin': 'transfer primary admin',
	'org.close': 'close the organization',
	'org.contacts': 'set the technical and emergency contacts',
	'org.security': "change the organization's security settings",
	'org.notifications': 'configure notification channels',
	'users.manage': 'create, change or delete the users this organization manages',
	'contacts.billing': 'set the billing contact',
	'billing.manage': 'manage billing',
	'deployments.manage': "create or delete this project's deployments",
	'teams.manage': 'create, change or delete teams',
	'projects.create': 'create projects',
	'projects.participate': 'ask to join projects or act in them (read-only members only view)',
	'project.manage': "manage this project's users, teams and roles"
};

const PROJECT_ACTIONS: readonly string[] = ['project.view', 'project.manage', 'deployments.manage'];

/** A closing organization is read-only but for paying what it owes (invariant 8), and members may still leave (invariant 9). */
const WHILE_CLOSING: readonly string[] = ['billing.manage', 'contacts.billing', 'member'];

/** A project mutation needs its project active and the actor's effective roles in it to allow the action. */
function authorizeProject(state: OrgState, ctx: CheckContext, projectId: string, access: ProjectAction, actor: Member): Refusal | undefined {
	const project = state.project(projectId)?.project();
	if (!project) return refuse('PROJECT_NOT_FOUND', 'That project does not exist in this organization.');
	if (project.status !== 'active') return refuse('PROJECT_CLOSED', `Project ${project.name} is closed.`);
	// SPEC §2: a read-only member only views, whatever a project assignment says.
	if (!roleMay(actor.role, 'projects.participate')) {
		return refuse('FORBIDDEN', `As ${ORG_ROLES[actor.role].label} you may only view project ${project.name}.`);
	}
	const roles = effectiveProjectRoles(state, projectId, ctx.actorId);
	if (projectRolesMay(roles, access)) return undefined;
	const as = roles.length ? roles.map((r) => PROJECT_ROLES[r].label).join(' and ') : 'someone outside it';
	return refuse('FORBIDDEN', `As ${as} in project ${project.name} you may not ${ACTION_WORDS[access]}.`);
}

/** Membership, status and the role table: the one place where "may this actor do this?" is answered. */
function authorize(state: OrgState, ctx: CheckContext, type: Checked, projectId?: string): Scope | Refusal {
	const org = state.org();
	const actor = state.member(ctx.actorId);
	// Same answer for a missing and a foreign organization, so ids reveal nothing (invariant 10).
	if (!org || !actor) return NOT_A_MEMBER;
	if (org.status === 'closed') return refuse('ORG_CLOSED', `${org.name} is closed and can no longer be changed.`);
	const access = MUTATION_ACCESS[type];
	if (org.status === 'closing' && !WHILE_CLOSING.includes(access)) return orgClosing(org.name);
	// One that joined before a managed user could belong nowhere else holds no access here but leaving.
	if (managedElsewhere(org.id, actor) && type !== 'member.leave') return managedElsewhereActor(org);
	if (access === 'member' || access === 'anyone') return { org, actor };
	if ((PRIMARY_ADMIN_ACTIONS as readonly string[]).includes(access)) {
		if (org.primaryAdminId === ctx.actorId) return { org, actor };
		// A primary admin managed by another organization cannot act here: any owner may hand the role on.
		const stranded = managedElsewhere(org.id, state.member(org.primaryAdminId));
		if (stranded && type === 'org.transferPrimaryAdmin' && actor.role === 'ORG_OWNER') return { org, actor };
		return refuse('FORBIDDEN', `Only the primary admin may ${ACTION_WORDS[access]}.`);
	}
	if (PROJECT_ACTIONS.includes(access)) {
		// Without a project (the UI asking in general), the roles the org role holds in every project answer.
		if (projectId === undefined) {
			if (projectRolesMay(ORG_ROLES[actor.role].implicitProjectRoles, access as ProjectAction)) return { org, actor };
			return refuse('FORBIDDEN', `As ${ORG_ROLES[actor.role].label} you may not ${ACTION_WORDS[access]} unless the project gives you a role.`);
		}
		return authorizeProject(state, ctx, projectId, access as ProjectAction, actor) ?? { org, actor };
	}
	if (roleMay(actor.role, access as OrgAction)) return { org, actor };
	return refuse('FORBIDDEN', `As ${ORG_ROLES[actor.role].label} you may not ${ACTION_WORDS[access]}.`);
}

/**
 * Whether the actor's role lets it send this kind of mutation at all (the UI shows controls by this);
 * a member the organization's required two-factor holds back only views. A step-up is asked when sending.
 */
export function mayAttempt(state: OrgState, actorId: string, type: MutationType, projectId?: string): boolean {
	if (type === 'org.create' || type === 'invite.accept') return true;
	const scope = authorize(state, { actorId, now: 0 }, type, projectId);
	return 'org' in scope && (type === 'member.leave' || !lacksRequiredTwoFactor(scope.org, scope.actor));
}

/** Why the actor may not send this kind of mutation at all, if it may not: for routes that ask before writing anything. */
export function refusalToAttempt(state: OrgState, actorId: string, type: Checked): Refusal | undefined {
	const scope = authorize(state, { actorId, now: 0 }, type);
	return 'org' in scope ? undefined : scope;
}

/**
 * SPEC §2: who may change a managed user's profile or password, or delete it — the
 * primary admin of the organization that manages it, while the user is its member.
 * Answers with the managed member, or why not.
 */
export function checkManagedUser(state: OrgState, actorId: string, userId: string): Member | Refusal {
	const scope = authorize(state, { actorId, now: 0 }, 'member.deleteManaged');
	return 'org' in scope ? managedMember(state, scope.org, userId) : scope;
}

/** SPEC §1: a user created by an organization's admin is managed by that organization. */
function managedMember(state: OrgState, org: Organization, userId: string): Member | Refusal {
	const target = state.member(userId);
	if (target?.managedBy === org.id) return target;
	return refuse('NOT_MANAGED', `That user is not one that ${org.name} manages: only users created by its primary admin are.`);
}

/** Invariant 1 on every path that takes an owner away: the primary admin stays, and so does one owner. */
function guardOwnership(
	state: OrgState,
	org: Organization,
	target: Member,
	primaryAdminRefusal: [RefusalCode, string]
): Refusal | undefined {
	if (target.userId === org.primaryAdminId) return refuse(...primaryAdminRefusal);
	if (target.role === 'ORG_OWNER' && state.ownerCount() <= 1) {
		return refuse('LAST_OWNER', `${org.name} would have no Organization Owner: make someone else an owner first.`);
	}
	return undefined;
}

type Checked = Exclude<MutationType, 'org.create' | 'invite.accept'>;

const HANDLERS: { [T in Checked]: Handler<T> } = {
	'org.rename': (_s, _c, m, { org }) => accept({ kind: 'org.put', org: { ...org, name: m.name } }),

	'member.setRole': (state, _c, m, { org }) => {
		const target = state.member(m.userId);
		if (!target) return refuse('MEMBER_NOT_FOUND', 'That user is not a member of this organization.');
		if (target.role === m.role) return accept();
		if (m.role !== 'ORG_OWNER') {
			const refusal = guardOwnership(state, org, target, [
				'PRIMARY_ADMIN_ROLE',
				`${name(target)} is the primary admin and stays an Organization Owner: transfer primary admin first.`
			]);
			if (refusal) return refusal;
		}
		return accept({ kind: 'member.put', member: { ...target, role: m.role } });
	},

	'member.remove': (state, _c, m, { org }) => {
		const target = state.member(m.userId);
		if (!target) return refuse('MEMBER_NOT_FOUND', 'That user is not a member of this organization.');
		const refusal = guardOwnership(state, org, target, [
			'PRIMARY_ADMIN_REMOVAL',
			`${name(target)} is the primary admin and cannot be removed: transfer primary admin first.`
		]);
		return refusal ?? accept(...leaveChanges(state, target.userId));
	},

	'member.leave': (state, _c, _m, { org, actor }) => {
		const refusal = guardOwnership(state, org, actor, [
			'PRIMARY_ADMIN_LEAVE',
			'The primary admin cannot leave: transfer primary admin to another member first.'
		]);
		return refusal ?? accept(...leaveChanges(state, actor.userId));
	},

	'member.addManaged': (state, ctx, m, { org }) => {
		const user = state.user(m.userId);
		if (!user) return refuse('USER_NOT_FOUND', 'That user does not exist.');
		if (user.managedBy !== org.id) return refuse('NOT_MANAGED', `${name(user)} is not a user that ${org.name} manages.`);
		if (state.member(user.id)) return refuse('ALREADY_MEMBER', `${name(user)} is already a member of ${org.name}.`);
		return accept({ kind: 'member.put', member: memberOf(user, m.role, ctx.now) });
	},

	// Invariants 1 and 3 hold as for a removal; the server deletes the account once every organization let it go.
	'member.deleteManaged': (state, _c, m, { org }) => {
		const target = managedMember(state, org, m.userId);
		if (!('userId' in target)) return target;
		const refusal = guardOwnership(state, org, target, [
			'PRIMARY_ADMIN_REMOVAL',
			`${name(target)} is the primary admin and cannot be deleted: transfer primary admin first.`
		]);
		return refusal ?? accept(...leaveChanges(state, target.userId));
	},

	'org.transferPrimaryAdmin': (state, _c, m, { org }) => {
		const target = state.member(m.userId);
		if (!target) return refuse('MEMBER_NOT_FOUND', 'That user is not a member of this organization.');
		if (target.userId === org.primaryAdminId) {
			return refuse('ALREADY_PRIMARY_ADMIN', `${name(target)} is already the primary admin.`);
		}
		if (!state.user(target.userId)?.emailVerified) {
			return refuse(
				'EMAIL_NOT_VERIFIED',
				`${name(target)} has not verified their email address yet; the primary admin must have a verified email.`
			);
		}
		const changes: Change[] = [{ kind: 'org.put', org: { ...org, primaryAdminId: target.userId } }];
		if (target.role !== 'ORG_OWNER') changes.push({ kind: 'member.put', member: { ...target, role: 'ORG_OWNER' } });
		return accept(...changes);
	},

	'team.create': (state, ctx, m) => {
		if (state.team(m.teamId)) return refuse('TEAM_EXISTS', 'A team with this id already exists.');
		return uniqueTeamName(state, m.name) ?? accept({ kind: 'team.put', team: { id: m.teamId, name: m.name, createdAt: ctx.now } });
	},

	'team.rename': (state, _c, m) => {
		const team = state.team(m.teamId);
		if (!team) return TEAM_NOT_FOUND;
		return uniqueTeamName(state, m.name, team.id) ?? accept({ kind: 'team.put', team: { ...team, name: m.name } });
	},

	'team.delete': (state, _c, m) => {
		if (!state.team(m.teamId)) return TEAM_NOT_FOUND;
		// Invariant 6: deleting a team also removes its project assignments, and the invitations placing someone in it forget it.
		return accept(
			...state.teamMemberIds(m.teamId).map((userId): Change => ({ kind: 'teamMember.delete', teamId: m.teamId, userId })),
			...state.projectsOfTeam(m.teamId).map((projectId): Change => ({ kind: 'projectTeam.delete', projectId, teamId: m.teamId })),
			...state.invitationsOfTeam(m.teamId).flatMap((inviteId): Change[] => {
				const invitation = state.invitation(inviteId);
				return invitation ? [{ kind: 'invitation.put', invitation: { ...invitation, teams: invitation.teams.filter((t) => t !== m.teamId) } }] : [];
			}),
			{ kind: 'team.delete', teamId: m.teamId }
		);
	},

	'team.addMember': (state, _c, m) => {
		const team = state.team(m.teamId);
		if (!team) return TEAM_NOT_FOUND;
		// Invariant 3: a team holds members of its organization only.
		const member = state.member(m.userId);
		if (!member) return refuse('MEMBER_NOT_FOUND', 'Only members of this organization can join its teams.');
		if (state.isTeamMember(team.id, m.userId)) {
			return refuse('ALREADY_TEAM_MEMBER', `${name(member)} is already in team ${team.name}.`);
		}
		return accept({ kind: 'teamMember.put', teamId: team.id, userId: m.userId });
	},

	'team.removeMember': (state, _c, m) => {
		const team = state.team(m.teamId);
		if (!team) return TEAM_NOT_FOUND;
		if (!state.isTeamMember(team.id, m.userId)) return refuse('NOT_TEAM_MEMBER', `That user is not in team ${team.name}.`);
		return accept({ kind: 'teamMember.delete', teamId: team.id, userId: m.userId });
	},

	...PROJECT_HANDLERS,
	...JOINING_HANDLERS,
	...DEPLOYMENT_HANDLERS,
	...CONTACT_HANDLERS,
	...BILLING_HANDLERS,
	...SECURITY_HANDLERS,
	...NOTIFICATION_HANDLERS,
	...BILLING_HANDLERS
};

const TEAM_NOT_FOUND = refuse('TEAM_NOT_FOUND', 'That team does not exist (it may have just been deleted).');

/** SPEC §1: team names are unique in the organization, trimmed and case-insensitive. */
function uniqueTeamName(state: OrgState, teamName: string, self?: string): Refusal | undefined {
	const other = state.teamByName(teamName);
	if (other && other.id !== self) return refuse('TEAM_NAME_TAKEN', `There is already a team called “${other.name}”.`);
	return undefined;
}

/** Invariant 3: leaving the organization also leaves each of its teams and projects (found by index, not by scan). */
function leaveChanges(state: OrgState, userId: string): Change[] {
	return [
		...state.teamsOf(userId).map((teamId): Change => ({ kind: 'teamMember.delete', teamId, userId })),
		...state.projectsOfUser(userId).map((projectId): Change => ({ kind: 'projectUser.delete', projectId, userId })),
		...state.requestsOf(userId).map((projectId): Change => ({ kind: 'joinRequest.delete', projectId, userId })),
		{ kind: 'member.delete', userId }
	];
}

function createOrg(state: OrgState, ctx: CheckContext, m: MutationOf<'org.create'>): Verdict {
	if (state.org()) return refuse('ORG_EXISTS', 'An organization with this id already exists.');
	const user = state.user(ctx.actorId);
	if (!user) return refuse('USER_NOT_FOUND', 'Your account was not found.');
	return accept(
		{ kind: 'org.put', org: { id: m.orgId, name: m.name, status: 'active', primaryAdminId: user.id, createdAt: ctx.now } },
		{ kind: 'member.put', member: memberOf(user, 'ORG_OWNER', ctx.now) }
	);
}

/** The one rule engine: (state, actor, mutation) → accepted changes | refusal. Pure; reads only what it names. */
export function checkMutation(state: OrgState, ctx: CheckContext, mutation: Mutation): Verdict {
	const verdict = checkRules(state, ctx, mutation);
	return (verdict.ok && guardManaged(state, ctx.actorId, verdict.changes)) || verdict;
}

function checkRules(state: OrgState, ctx: CheckContext, mutation: Mutation): Verdict {
	if (mutation.type === 'org.create') return createOrg(state, ctx, mutation);
	if (mutation.type === 'invite.accept') return acceptInvitation(state, ctx, mutation);
	const scope = authorize(state, ctx, mutation.type, 'projectId' in mutation ? mutation.projectId : undefined);
	if (!('org' in scope)) return scope;
	const gate = securityGate(scope.org, scope.actor, ctx, mutation.type);
	if (gate) return gate;
	const handler = HANDLERS[mutation.type] as Handler<typeof mutation.type>;
	const verdict = handler(state, ctx, mutation, scope);
	return verdict.ok ? (guardProjects(state, verdict.changes) ?? verdict) : verdict;
}
