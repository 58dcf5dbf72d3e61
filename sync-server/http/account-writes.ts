import type { IncomingMessage } from 'node:http';
import { emailKey, publicProfile, type ProfileUpdate, type UserProfile } from '$lib/domain/index.ts';
import { newToken, type PasswordAttempts } from '../auth.ts';
import type { Mail } from '../mail.ts';
import type { HttpDeps } from './deps.ts';
import { rateLimited, usernameTaken } from './io.ts';
import { HttpError } from './types.ts';

/**
 * Writes to a user's account, shared by the user's own routes (profile-routes.ts), sign-up,
 * and the primary admin of the organization managing it (managed-users-routes.ts).
 */

const VERIFY_TTL_MS = 48 * 3600 * 1000;

/** A link that verifies the user's current address, once, for 48 hours. */
export async function sendVerification({ accounts, mailer, now, publicUrl }: HttpDeps, user: UserProfile) {
	const { token, hash } = newToken();
	await accounts.insertEmailToken(hash, user.id, user.email, now() + VERIFY_TTL_MS);
	await mailer.send({
		to: user.email,
		subject: 'Verify your email address for Roster',
		text: `Hello ${user.username},\n\nOpen this link to verify your email address:\n${publicUrl()}/api/verify-email?token=${token}\n\nIt works once, for 48 hours.`
	});
}

/** Username (unique) and display name; member copies in organization documents follow live. Unchanged writes nothing. */
export async function saveProfile({ accounts, hub }: HttpDeps, user: UserProfile, input: ProfileUpdate) {
	const profile = { username: input.username ?? user.username, displayName: input.displayName ?? user.displayName };
	if (profile.username === user.username && profile.displayName === user.displayName) return;
	if (!(await accounts.updateProfile(user.id, profile))) throw usernameTaken(profile.username);
	await hub.refreshProfile(user.id);
}

/**
 * ASVS re-authentication before a change that could hand the account to whoever holds its
 * session (email, username, password, two-factor): the current password, counted with failed
 * sign-ins in the same limiter (429 past it); 401 BAD_CREDENTIALS when wrong.
 */
export async function confirmPassword(deps: HttpDeps, attempts: PasswordAttempts, userId: string, req: IncomingMessage, password: string) {
	const address = deps.edge.clientAddress(req);
	const now = deps.now();
	const stored = (await deps.accounts.user(userId))?.passwordHash;
	const check = await attempts.verify(userId, address, now, password, stored);
	if ('wait' in check) throw rateLimited(check.wait, 'wrong passwords');
	if (!check.ok) {
		throw new HttpError(401, 'BAD_CREDENTIALS', 'That is not your current password.');
	}
}

/**
 * A new address is unverified until the link mailed to it is used; mailed first, so a failed
 * send changes nothing. A verified earlier address is told where the account's mail goes now.
 * `countMail` counts the verification mail against its limits (429) once it is sure to be sent.
 */
export async function saveEmail(deps: HttpDeps, user: UserProfile, email: string, unchanged: string, countMail: () => Promise<void>) {
	if (emailKey(email) === emailKey(user.email)) throw new HttpError(409, 'EMAIL_UNCHANGED', unchanged);
	await countMail();
	await sendVerification(deps, { ...user, email, emailVerified: false });
	await deps.accounts.setEmail(user.id, email);
	await deps.hub.refreshProfile(user.id);
	// An unverified address may be a stranger's (a typo): it is not told about the account.
	if (user.emailVerified)
		await deps.mailer.send(emailChangedMail(user, email)).catch((err: unknown) => console.error('address change notice failed', err));
}

/** `bob@mail.example.org` as `b***@m***.org`: enough for the owner to recognise, too little to write to. */
export function maskEmail(email: string): string {
	const [local = '', domain = ''] = email.split('@');
	const labels = domain.split('.');
	return `${local.slice(0, 1)}***@${labels[0]!.slice(0, 1)}***${labels.length > 1 ? `.${labels.at(-1)}` : ''}`;
}

function emailChangedMail(user: UserProfile, email: string): Mail {
	return {
		to: user.email,
		subject: 'The email address of your Roster account was changed',
		text: [
			`Hello ${user.username},`,
			'',
			`The email address of your Roster account was changed from this address to ${maskEmail(email)}. Mail for the account goes there from now on.`,
			'',
			user.managedBy
				? 'If neither you nor the admin of the organization that manages your account changed it, tell that admin now.'
				: 'If you did not change it, someone who knows your password did: sign in, change your password and set your address back, or ask the admin of your organization for help.'
		].join('\n')
	};
}

/** Sets a new password hash and ends every session of the user but `keep`, closing their sockets. */
export async function replacePassword({ accounts, hub }: HttpDeps, userId: string, hash: string, keep?: string) {
	for (const h of await accounts.replacePassword(userId, hash, keep)) hub.endSession(h);
}

/** The account as stored now, as the user and its admin see it. */
export async function reload({ accounts }: HttpDeps, userId: string): Promise<UserProfile> {
	return publicProfile((await accounts.user(userId))!);
}
