import { z } from 'zod';
import { Password } from './passwords.ts';
import { humanText, nameKey } from './text.ts';
import './issue-words.ts';

/** rules §1: unique platform-wide (case-insensitive), 3–32 chars of a-z 0-9 . _ - */
export const Username = z
	.string({ error: 'Enter a username' })
	.trim()
	.toLowerCase()
	.regex(/^[a-z0-9._-]{3,32}$/, 'A username is 3–32 characters of a–z, 0–9, dot, underscore or dash');

export const Email = z.string({ error: 'Enter an email address' }).trim().max(254).pipe(z.email('Enter a valid email address'));

export const DisplayName = humanText('A display name', 100, { required: false });

export const Id = z
	.string()
	.min(1)
	.max(64)
	.regex(/^[A-Za-z0-9_-]+$/, 'Not a valid id');

export const OrgName = humanText('A name', 64);

export const OrgRole = z.enum([
	'ORG_OWNER',
	'ORG_PROJECT_CREATOR',
	'ORG_BILLING_ADMIN',
	'ORG_BILLING_VIEWER',
	'ORG_READ_ONLY',
	'ORG_MEMBER'
]);
export type OrgRole = z.infer<typeof OrgRole>;

/** The public face of a user: what other members of its organizations may see. */
export const UserProfile = z.object({
	id: Id,
	username: Username,
	email: Email,
	emailVerified: z.boolean(),
	displayName: z.string().max(100),
	/** Two-factor sign-in is on (the secret itself never leaves the server). Absent in copies made before it existed. */
	twoFactor: z.boolean().optional(),
	/** rules §1: the organization whose primary admin created this user and manages it; absent for a user who signed up. */
	managedBy: Id.optional(),
	/** rules §5: a service account (managed by its organization, no password, never a session); absent for people. */
	service: z.literal(true).optional()
});
export type UserProfile = z.infer<typeof UserProfile>;

/**
 * The current password, asked again before a change that could hand the account to whoever
 * holds its session (ASVS re-authentication): email, username, password, two-factor.
 */
export const CurrentPassword = z
	.string({ error: 'Enter your current password' })
	.min(1, 'Enter your current password')
	.max(200, 'A password has at most 200 characters');

/** What a user may change of its own profile directly (a new username with the current password); email and password have their own requests. */
export const ProfileUpdate = z
	.strictObject({ username: Username.optional(), displayName: DisplayName.optional(), password: CurrentPassword.optional() })
	.refine((p) => p.username !== undefined || p.displayName !== undefined, 'Send a username or a display name to change');
export type ProfileUpdate = z.infer<typeof ProfileUpdate>;

export const EmailChange = z.strictObject({ email: Email, password: CurrentPassword });
export type EmailChange = z.infer<typeof EmailChange>;

export const PasswordChange = z.strictObject({ current: CurrentPassword, next: Password });
export type PasswordChange = z.infer<typeof PasswordChange>;

/** A six-digit authenticator code, or a recovery code (`xxxxx-xxxxx`); checked by the server only. */
export const TwoFactorCode = z
	.string({ error: 'Enter the code from your authenticator app' })
	.trim()
	.min(6, 'A code has at least 6 characters')
	.max(16, 'A code has at most 16 characters');
/** A webhook receives alerts as JSON POSTs: http(s) only, and no user name or password in the URL. */
export const WebhookUrl = z
	.string({ error: 'Enter a webhook URL' })
	.trim()
	.max(2000, 'A webhook URL is at most 2000 characters')
	.pipe(z.url({ protocol: /^https?$/, error: 'Enter an http:// or https:// URL' }))
	// A regular expression, not new URL(): zod runs this even on input the URL check refused.
	.refine((u) => !/^[a-z]+:\/\/[^/?#]*@/i.test(u), 'A webhook URL cannot hold a user name or password');

/** rules §2 notification channels as the primary admin sets them: null turns one off; a webhook left out stays as it is. */
export const NotificationChannels = z.object({ email: Email.nullable(), webhook: WebhookUrl.nullable().optional() });
export type NotificationChannels = z.infer<typeof NotificationChannels>;

/**
 * What the organization document keeps of them. Every member reads the document, and a
 * webhook's path often holds a token, so it keeps only where the webhook goes (see
 * webhookShown); the whole URL stays on the server.
 */
export const NotificationSettings = z.object({ email: Email.nullable(), webhook: z.string().max(300).nullable() });
export type NotificationSettings = z.infer<typeof NotificationSettings>;

export const OrgStatus = z.enum(['active', 'closing', 'closed']);

/**
 * rules §2 organization security, set by the primary admin: whether every member must use
 * two-factor, and how long a member's session may stay idle or live at all (null: Roster's default).
 */
export const OrgSecurity = z.object({
	requireTwoFactor: z.boolean(),
	idleTimeoutMinutes: z
		.number()
		.int()
		.min(15, 'An idle timeout is at least 15 minutes')
		.max(10_080, 'An idle timeout is at most a week')
		.nullable(),
	absoluteTimeoutHours: z.number().int().min(1, 'A session lasts at least an hour').max(720, 'A session lasts at most 30 days').nullable()
});
export type OrgSecurity = z.infer<typeof OrgSecurity>;

/** rules §5: the cap an organization may set on a secret's lifetime. */
export const SECRET_MAX_DAYS_RANGE = z
	.number({ error: 'Enter a number of days' })
	.int('Enter a whole number of days')
	.min(1, 'A secret lives at least a day')
	.max(365, 'A secret lives at most 365 days');
/** A configured identity provider's id (the server's --oidc-config names them). */
export const SsoProviderId = z
	.string()
	.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'A provider id is 1–32 characters of a–z, 0–9, dash or underscore');

/** A group name as the provider's groups claim carries it, compared exactly. */
export const SsoGroup = z.string().trim().min(1, 'Enter a group name').max(200, 'A group name is at most 200 characters');

/** rules §2 single sign-on: what members of one provider group get here (see sso-mapping.ts). */
export const SsoGrant = z.strictObject({
	group: SsoGroup,
	role: OrgRole,
	teams: z.array(Id).max(100),
	projects: z.array(z.strictObject({ projectId: Id, roles: z.lazy(() => ProjectRoles) /* declared below */ })).max(100)
});
export type SsoGrant = z.infer<typeof SsoGrant>;

/**
 * rules §2 single sign-on, set by the primary admin: the provider the organization is linked to,
 * whether password sessions still reach it, the role of a member without a mapped group (null: none,
 * such a person gets no access), and the group grants in order (the first matching grant's role wins).
 */
export const OrgSso = z.object({
	providerId: SsoProviderId,
	required: z.boolean(),
	defaultRole: OrgRole.nullable(),
	grants: z.array(SsoGrant).max(100)
});
export type OrgSso = z.infer<typeof OrgSso>;

export const Organization = z.object({
	id: Id,
	name: OrgName,
	status: OrgStatus,
	primaryAdminId: Id,
	createdAt: z.number(),
	security: OrgSecurity.optional(),
	/** rules §2: where membership alerts go; set by the primary admin (see notifications.ts). */
	notifications: NotificationSettings.optional(),
	/** rules §5: the longest a service account's new secret may live, in days (absent: a year). */
	secretMaxDays: SECRET_MAX_DAYS_RANGE.optional(),
	/** rules §2 single sign-on; absent: not linked to a provider. */
	sso: OrgSso.optional(),
	/** Set with status `closing`: the final invoice covers the month up to this moment (invariant 8). */
	closingAt: z.number().optional(),
	/** When it closed at once (with nothing left to invoice): its members are told since when it is read-only. */
	closedAt: z.number().optional()
});
export type Organization = z.infer<typeof Organization>;

/** rules §1: unique in the organization, compared as nameKey does (trimmed, NFC, case-insensitive). */
export const TeamName = humanText('A team name', 64);

export const Team = z.object({ id: Id, name: TeamName, createdAt: z.number() });
export type Team = z.infer<typeof Team>;

/** Team names compare as every name does. */
export const teamNameKey = nameKey;

export const ProjectRole = z.enum(['PROJECT_OWNER', 'PROJECT_CLUSTER_MANAGER', 'PROJECT_READ_ONLY']);
export type ProjectRole = z.infer<typeof ProjectRole>;

/** rules §1: an assignment holds a non-empty set of project roles (kept sorted, without repeats). */
export const ProjectRoles = z
	.array(ProjectRole)
	.min(1, 'Choose at least one project role')
	.max(ProjectRole.options.length)
	.transform((roles) => ProjectRole.options.filter((r) => roles.includes(r)));

export const ProjectName = humanText('A project name', 64);

export const Project = z.object({
	id: Id,
	orgId: Id,
	name: ProjectName,
	status: z.enum(['active', 'closed']),
	createdAt: z.number()
});
export type Project = z.infer<typeof Project>;

/** A member's request to join a project, shown to its owners with the requester's profile. */
export const JoinRequest = z.object({ userId: Id, username: Username, email: Email, at: z.number() });
export type JoinRequest = z.infer<typeof JoinRequest>;

/**
 * rules §6 expiring access: when a membership or assignment ends (or falls back to `then`), whether its
 * holder was reminded, and why the server could not apply it when it came due (it then stays, blocked).
 */
const ExpiryRow = z.object({
	at: z.number(),
	remindedAt: z.number().optional(),
	blocked: z.object({ code: z.string().max(64), reason: z.string().max(500), at: z.number() }).optional()
});
export const TeamExpiry = ExpiryRow;
export type TeamExpiry = z.infer<typeof TeamExpiry>;
export const MemberExpiry = ExpiryRow.extend({ then: OrgRole.optional() });
export type MemberExpiry = z.infer<typeof MemberExpiry>;
export const AssignmentExpiry = ExpiryRow.extend({ then: z.array(ProjectRole).min(1).optional() });
export type AssignmentExpiry = z.infer<typeof AssignmentExpiry>;

/** A membership as replicated in the organization document: role plus a copy of the profile for display. */
export const Member = UserProfile.omit({ id: true }).extend({
	userId: Id,
	role: OrgRole,
	joinedAt: z.number(),
	expiry: MemberExpiry.optional()
});
export type Member = z.infer<typeof Member>;

/** rules §1: an invitation expires 30 days after it is sent. */
export const INVITATION_TTL_MS = 30 * 24 * 3600 * 1000;

/** Emails are matched without regard to case. */
export function emailKey(email: string): string {
	return email.trim().toLowerCase();
}

const InvitationBase = z.object({ id: Id, email: Email, invitedBy: Id, createdAt: z.number(), expiresAt: z.number() });

/**
 * A pending invitation to the organization: the role and teams the invitee gets on
 * acceptance. Accepted and cancelled invitations leave the document (the activity
 * feed keeps them); an expired one stays, shown as expired, until cancelled or renewed.
 */
export const OrgInvitation = InvitationBase.extend({ role: OrgRole, teams: z.array(Id).max(100) });
export type OrgInvitation = z.infer<typeof OrgInvitation>;

/** A pending invitation to one project, with the roles the invitee gets there. */
export const ProjectInvitation = InvitationBase.extend({ roles: ProjectRoles });
export type ProjectInvitation = z.infer<typeof ProjectInvitation>;

export type InvitationStatus = 'pending' | 'expired';
export function invitationStatus(invitation: { expiresAt: number }, now: number): InvitationStatus {
	return invitation.expiresAt > now ? 'pending' : 'expired';
}

/** rules §1: a deployment's plan; prices are data (plans.ts). */
export const Plan = z.enum(['free', 'shared', 'dedicated']);
export type Plan = z.infer<typeof Plan>;

export const DeploymentName = humanText('A deployment name', 64);

/** A deployment (mLab's "subscription", Atlas's "cluster"); a deleted one stays, for invoicing its active days. */
export const Deployment = z.object({
	id: Id,
	name: DeploymentName,
	plan: Plan,
	status: z.enum(['active', 'deleted']),
	createdAt: z.number(),
	deletedAt: z.number().optional()
});
export type Deployment = z.infer<typeof Deployment>;

/** rules §4 contacts: each unset one falls back to the primary admin's email. */
export const ContactKind = z.enum(['technical', 'emergency', 'billing']);
export type ContactKind = z.infer<typeof ContactKind>;
