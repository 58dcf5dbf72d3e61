import { z } from 'zod';
import { Password } from './passwords.ts';
import { DisplayName, Email, Id, OrgRole, Username } from './schemas.ts';

/** mLab "Add a new account user": the primary admin sets a username, an email and a first password. */
export const ManagedUserCreate = z.strictObject({
	org: Id,
	username: Username,
	email: Email,
	password: Password,
	displayName: DisplayName.default(''),
	role: OrgRole
});
export type ManagedUserCreate = z.input<typeof ManagedUserCreate>;

/** What the primary admin may change of a managed user's profile; a new email is unverified until its link is used. */
export const ManagedUserUpdate = z
	.strictObject({ userId: Id, username: Username.optional(), displayName: DisplayName.optional(), email: Email.optional() })
	.refine((u) => u.username !== undefined || u.displayName !== undefined || u.email !== undefined, 'Send a username, display name or email to change');
export type ManagedUserUpdate = z.input<typeof ManagedUserUpdate>;

export const ManagedPasswordReset = z.strictObject({ userId: Id, password: Password });
export type ManagedPasswordReset = z.input<typeof ManagedPasswordReset>;

export const ManagedUserRef = z.strictObject({ userId: Id });
