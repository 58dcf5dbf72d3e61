import { z } from 'zod';
import { BillingInfo, CardBrand, CardHolder, ContactKind, DeploymentName, Email, Id, NotificationChannels, OrgName, OrgRole, OrgSecurity, Plan, ProjectName, ProjectRoles, TeamName, Username } from './schemas.ts';

/** Teams a new member or invitee is placed in (SPEC §1: an invitee can be placed in teams before it joins). */
const Teams = z.array(Id).max(100).optional();
import type { OrgAction, PrimaryAdminAction, ProjectAction } from './roles.ts';

/** Typed intents; a client never sends a document patch. Each is strict: a field it does not name is refused, not ignored. */
export const Mutation = z.discriminatedUnion('type', [
	z.strictObject({ type: z.literal('org.create'), orgId: Id, name: OrgName }),
	z.strictObject({ type: z.literal('org.rename'), orgId: Id, name: OrgName }),
	z.strictObject({ type: z.literal('member.add'), orgId: Id, username: Username, role: OrgRole, teams: Teams }),
	// By email: adds the one verified user with that address, else invites it (SPEC §4).
	z.strictObject({ type: z.literal('member.invite'), orgId: Id, inviteId: Id, email: Email, role: OrgRole, teams: Teams }),
	z.strictObject({ type: z.literal('member.cancelInvite'), orgId: Id, inviteId: Id }),
	z.strictObject({ type: z.literal('member.setRole'), orgId: Id, userId: Id, role: OrgRole }),
	z.strictObject({ type: z.literal('member.remove'), orgId: Id, userId: Id }),
	z.strictObject({ type: z.literal('member.leave'), orgId: Id }),
	z.strictObject({ type: z.literal('org.transferPrimaryAdmin'), orgId: Id, userId: Id }),
	z.strictObject({ type: z.literal('org.close'), orgId: Id }),
	// null clears the contact, which then falls back to the primary admin's email.
	z.strictObject({ type: z.literal('org.setContact'), orgId: Id, contact: ContactKind.exclude(['billing']), email: Email.nullable() }),
	z.strictObject({ type: z.literal('org.setBillingContact'), orgId: Id, email: Email.nullable() }),
	z.strictObject({ type: z.literal('org.setSecurity'), orgId: Id, ...OrgSecurity.shape }),
	// null clears a channel.
	z.strictObject({ type: z.literal('org.setNotifications'), orgId: Id, ...NotificationChannels.shape }),
	// A user the primary admin created (its row marked managed by this organization) joins it; see managed-users-api.ts.
	z.strictObject({ type: z.literal('member.addManaged'), orgId: Id, userId: Id, role: OrgRole }),
	// The organization's part of deleting a managed user from Roster; the server also takes it out of its other organizations.
	z.strictObject({ type: z.literal('member.deleteManaged'), orgId: Id, userId: Id }),
	z.strictObject({ type: z.literal('team.create'), orgId: Id, teamId: Id, name: TeamName }),
	z.strictObject({ type: z.literal('team.rename'), orgId: Id, teamId: Id, name: TeamName }),
	z.strictObject({ type: z.literal('team.delete'), orgId: Id, teamId: Id }),
	z.strictObject({ type: z.literal('team.addMember'), orgId: Id, teamId: Id, userId: Id }),
	z.strictObject({ type: z.literal('team.removeMember'), orgId: Id, teamId: Id, userId: Id }),
	// SPEC §1: a pending invitee can already be placed in teams; it joins them on acceptance.
	z.strictObject({ type: z.literal('team.addInvitee'), orgId: Id, teamId: Id, inviteId: Id }),
	z.strictObject({ type: z.literal('team.removeInvitee'), orgId: Id, teamId: Id, inviteId: Id }),
	z.strictObject({ type: z.literal('project.create'), orgId: Id, projectId: Id, name: ProjectName }),
	z.strictObject({ type: z.literal('project.addUser'), orgId: Id, projectId: Id, username: Username, roles: ProjectRoles }),
	z.strictObject({ type: z.literal('project.invite'), orgId: Id, projectId: Id, inviteId: Id, email: Email, roles: ProjectRoles }),
	z.strictObject({ type: z.literal('project.cancelInvite'), orgId: Id, projectId: Id, inviteId: Id }),
	z.strictObject({ type: z.literal('project.addTeam'), orgId: Id, projectId: Id, teamId: Id, roles: ProjectRoles }),
	z.strictObject({ type: z.literal('project.setUserRoles'), orgId: Id, projectId: Id, userId: Id, roles: ProjectRoles }),
	z.strictObject({ type: z.literal('project.setTeamRoles'), orgId: Id, projectId: Id, teamId: Id, roles: ProjectRoles }),
	z.strictObject({ type: z.literal('project.removeUser'), orgId: Id, projectId: Id, userId: Id }),
	z.strictObject({ type: z.literal('project.removeTeam'), orgId: Id, projectId: Id, teamId: Id }),
	z.strictObject({ type: z.literal('project.close'), orgId: Id, projectId: Id }),
	// Sent by the server's card route only, after checking the number (see SERVER_ONLY): it never holds the number.
	z.strictObject({
		type: z.literal('card.add'),
		orgId: Id,
		cardId: Id,
		brand: CardBrand,
		last4: z.string().regex(/^\d{4}$/),
		expMonth: z.number().int().min(1).max(12),
		expYear: z.number().int().min(2000).max(2100),
		holder: CardHolder
	}),
	z.strictObject({ type: z.literal('card.setDefault'), orgId: Id, cardId: Id }),
	z.strictObject({ type: z.literal('card.remove'), orgId: Id, cardId: Id }),
	z.strictObject({ type: z.literal('billing.setInfo'), orgId: Id, ...BillingInfo.shape }),
	z.strictObject({ type: z.literal('deployment.create'), orgId: Id, projectId: Id, deploymentId: Id, name: DeploymentName, plan: Plan }),
	z.strictObject({ type: z.literal('deployment.delete'), orgId: Id, projectId: Id, deploymentId: Id }),
	z.strictObject({ type: z.literal('join.request'), orgId: Id, projectId: Id }),
	z.strictObject({ type: z.literal('join.approve'), orgId: Id, projectId: Id, userId: Id, roles: ProjectRoles }),
	z.strictObject({ type: z.literal('join.deny'), orgId: Id, projectId: Id, userId: Id }),
	// Sent for a user whose verified email an invitation names (the server does so at verification and sign-in).
	z.strictObject({ type: z.literal('invite.accept'), orgId: Id, inviteId: Id, projectId: Id.optional() })
]);
export type Mutation = z.infer<typeof Mutation>;
export type MutationType = Mutation['type'];
export type MutationOf<T extends MutationType> = Extract<Mutation, { type: T }>;

export const MUTATION_TYPES = Mutation.options.map((o) => o.shape.type.value);

/**
 * Mutations only the server sends on a user's behalf, with why: a card is added through
 * an HTTP route that checks its number and keeps only brand, last 4 digits and expiry,
 * so the number reaches no outbox, document or log; a managed user is created and
 * deleted with its account row. A socket that sends one is refused with the reason.
 */
export const SERVER_ONLY: Partial<Record<MutationType, string>> = {
	'card.add': 'Cards are added through the card form, which checks the number; a mutation never carries one.',
	'member.addManaged': 'Managed users are created through the Create user form, which also makes their account.',
	'member.deleteManaged': "Managed users are deleted through their Delete control, which also removes them from Roster's other organizations."
};

/**
 * Who may send each mutation: an org action of the actor's role, a primary-admin
 * action, any member ('member'), anyone signed in ('anyone'), or the user an
 * invitation names ('invitee').
 */
export const MUTATION_ACCESS: Record<MutationType, OrgAction | PrimaryAdminAction | ProjectAction | 'member' | 'anyone' | 'invitee'> = {
	'org.create': 'anyone',
	'org.rename': 'org.rename',
	'member.add': 'members.manage',
	'member.invite': 'members.manage',
	'member.cancelInvite': 'members.manage',
	'member.setRole': 'members.manage',
	'member.remove': 'members.manage',
	'member.leave': 'member',
	'org.transferPrimaryAdmin': 'org.transferPrimaryAdmin',
	'org.close': 'org.close',
	'org.setContact': 'org.contacts',
	'org.setBillingContact': 'contacts.billing',
	'org.setSecurity': 'org.security',
	'org.setNotifications': 'org.notifications',
	'member.addManaged': 'users.manage',
	'member.deleteManaged': 'users.manage',
	'team.create': 'teams.manage',
	'team.rename': 'teams.manage',
	'team.delete': 'teams.manage',
	'team.addMember': 'teams.manage',
	'team.removeMember': 'teams.manage',
	'team.addInvitee': 'teams.manage',
	'team.removeInvitee': 'teams.manage',
	'project.create': 'projects.create',
	'project.addUser': 'project.manage',
	'project.invite': 'project.manage',
	'project.cancelInvite': 'project.manage',
	'project.addTeam': 'project.manage',
	'project.setUserRoles': 'project.manage',
	'project.setTeamRoles': 'project.manage',
	'project.removeUser': 'project.manage',
	'project.removeTeam': 'project.manage',
	'project.close': 'project.manage',
	'card.add': 'billing.manage',
	'card.setDefault': 'billing.manage',
	'card.remove': 'billing.manage',
	'billing.setInfo': 'billing.manage',
	'deployment.create': 'deployments.manage',
	'deployment.delete': 'deployments.manage',
	// Asked from a link: an ORG_MEMBER sees only its own projects (SPEC §2).
	'join.request': 'projects.participate',
	'join.approve': 'project.manage',
	'join.deny': 'project.manage',
	'invite.accept': 'invitee'
};
