import { effectiveProjectRoles } from './access.ts';
import { EXPIRY_ACCESS } from './expiry.ts';
import { managedElsewhere, managedElsewhereActor, managedMember } from './managed-users.ts';
import { MUTATION_ACCESS, type Access, type MutationType, type ScopedType } from './mutations/index.ts';
import { orgClosing, refuse, type Refusal } from './refusals.ts';
import {
	ACTION_WORDS,
	ORG_ROLES,
	PRIMARY_ADMIN_ACTIONS,
	PROJECT_ACTIONS,
	PROJECT_ROLES,
	projectRolesMay,
	roleMay,
	type PrimaryAdminAction,
	type ProjectAction
} from './roles.ts';
import type { Member } from './schemas.ts';
import { lacksRequiredTwoFactor } from './security.ts';
import type { CheckContext, OrgState } from './state.ts';
import type { Scope } from './verdict.ts';

export const NOT_A_MEMBER = refuse('NOT_A_MEMBER', 'You are not a member of this organization.');

/** A closing organization is read-only but for paying what it owes (invariant 8), and members may still leave (invariant 9). */
const WHILE_CLOSING: readonly Access[] = ['billing.manage', 'contacts.billing', 'member'];

const isPrimaryAdminAction = (access: Access): access is PrimaryAdminAction =>
	(PRIMARY_ADMIN_ACTIONS as readonly Access[]).includes(access);
const isProjectAction = (access: Access): access is ProjectAction => (PROJECT_ACTIONS as readonly Access[]).includes(access);

/** A project mutation needs its project active and the actor's effective roles in it to allow the action. */
function authorizeProject(
	state: OrgState,
	ctx: CheckContext,
	projectId: string,
	access: ProjectAction,
	actor: Member
): Refusal | undefined {
	const project = state.project(projectId)?.project();
	if (!project) return refuse('PROJECT_NOT_FOUND', 'That project does not exist in this organization.');
	if (project.status !== 'active') return refuse('PROJECT_CLOSED', `Project ${project.name} is closed.`);
	// rules §2: a read-only member only views, whatever a project assignment says.
	if (!roleMay(actor.role, 'projects.participate')) {
		return refuse('FORBIDDEN', `As ${ORG_ROLES[actor.role].label} you may only view project ${project.name}.`);
	}
	const roles = effectiveProjectRoles(state, projectId, ctx.actorId);
	if (projectRolesMay(roles, access)) return undefined;
	const as = roles.length ? roles.map((r) => PROJECT_ROLES[r].label).join(' and ') : 'someone outside it';
	return refuse('FORBIDDEN', `As ${as} in project ${project.name} you may not ${ACTION_WORDS[access]}.`);
}

/** Membership, status and the role table: the one place where "may this actor do this?" is answered. */
export function authorize(state: OrgState, ctx: CheckContext, type: ScopedType, projectId?: string): Scope | Refusal {
	const org = state.org();
	const actor = state.member(ctx.actorId);
	// Same answer for a missing and a foreign organization, so ids reveal nothing (invariant 10).
	if (!org || !actor) return NOT_A_MEMBER;
	if (org.status === 'closed') return refuse('ORG_CLOSED', `${org.name} is closed and can no longer be changed.`);
	const access = MUTATION_ACCESS[type];
	if (org.status === 'closing' && !WHILE_CLOSING.includes(access)) return orgClosing(org.name);
	// One that joined before a managed user could belong nowhere else holds no access here but leaving.
	if (managedElsewhere(org.id, actor) && type !== 'member.leave') return managedElsewhereActor(org);
	if (access === 'member' || access === 'anyone' || access === 'invitee') return { org, actor };
	if (isPrimaryAdminAction(access)) {
		if (org.primaryAdminId === ctx.actorId) return { org, actor };
		// A primary admin managed by another organization cannot act here: any owner may hand the role on.
		const stranded = managedElsewhere(org.id, state.member(org.primaryAdminId));
		if (stranded && type === 'org.transferPrimaryAdmin' && actor.role === 'ORG_OWNER') return { org, actor };
		return refuse('FORBIDDEN', `Only the primary admin may ${ACTION_WORDS[access]}.`);
	}
	if (isProjectAction(access)) {
		// Without a project (the UI asking in general), the roles the org role holds in every project answer.
		if (projectId === undefined) {
			if (projectRolesMay(ORG_ROLES[actor.role].implicitProjectRoles, access)) return { org, actor };
			return refuse(
				'FORBIDDEN',
				`As ${ORG_ROLES[actor.role].label} you may not ${ACTION_WORDS[access]} unless the project gives you a role.`
			);
		}
		return authorizeProject(state, ctx, projectId, access, actor) ?? { org, actor };
	}
	if (roleMay(actor.role, access)) return { org, actor };
	return refuse('FORBIDDEN', `As ${ORG_ROLES[actor.role].label} you may not ${ACTION_WORDS[access]}.`);
}

/** Whether the mutation's own check answers who may, with no member to authorize first. */
export function unscoped(type: MutationType): type is Exclude<MutationType, ScopedType> {
	const access = MUTATION_ACCESS[type];
	return access === 'anyone' || access === 'invitee';
}

/**
 * Whether the actor's role lets it send this kind of mutation at all (the UI shows controls by this);
 * a member the organization's required two-factor holds back only views. A step-up is asked when sending.
 */
export function mayAttempt(state: OrgState, actorId: string, type: MutationType, projectId?: string): boolean {
	if (unscoped(type)) return true;
	// rules §6: an expiry is set by whoever may make one of the changes it stands for.
	if (type === 'access.setExpiry') return EXPIRY_ACCESS.some((t) => mayAttempt(state, actorId, t, projectId));
	const scope = authorize(state, { actorId, now: 0 }, type, projectId);
	return 'org' in scope && (type === 'member.leave' || !lacksRequiredTwoFactor(scope.org, scope.actor));
}

/** Why the actor may not send this kind of mutation at all, if it may not: for routes that ask before writing anything. */
export function refusalToAttempt(state: OrgState, actorId: string, type: ScopedType): Refusal | undefined {
	const scope = authorize(state, { actorId, now: 0 }, type);
	return 'org' in scope ? undefined : scope;
}

/**
 * rules §2: who may change a managed user's profile or password, or delete it — the
 * primary admin of the organization that manages it, while the user is its member.
 * Answers with the managed member, or why not.
 */
export function checkManagedUser(state: OrgState, actorId: string, userId: string): Member | Refusal {
	const scope = authorize(state, { actorId, now: 0 }, 'member.deleteManaged');
	return 'org' in scope ? managedMember(state, scope.org, userId) : scope;
}
