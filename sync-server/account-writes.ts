import type { IncomingMessage } from 'node:http';
import { emailKey, type ProfileUpdate, type UserProfile } from '$lib/domain/index.ts';
import type { PasswordAttempts } from './auth.ts';
import type { HttpDeps } from './http.ts';
import { HttpError, rateLimited, usernameTaken } from './http-io.ts';
import type { Mail } from './mail.ts';

/**
 * Writes to a user's account, shared by the user's own routes (profile-api.ts) and by
 * the primary admin of the organization managing it (managed-users-api.ts).
 */

/** Username (unique) and display name; member copies in organization documents follow live. Unchanged writes nothing. */
export async function saveProfile({ store, hub }: HttpDeps, user: UserProfile, input: ProfileUpdate) {
	const profile = { username: input.username ?? user.username, displayName: input.displayName ?? user.displayName };
	if (profile.username === user.username && profile.displayName === user.displayName) return;
	try {
		store.updateProfile(user.id, profile);
	} catch (err) {
		if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw usernameTaken(profile.username);
		throw err;
	}
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
	const wait = attempts.retryAfter(userId, address, now);
	if (wait > 0) throw rateLimited(wait, 'wrong passwords');
	if (!(await attempts.verify(userId, address, now, password, deps.store.user(userId)?.passwordHash))) {
		throw new HttpError(401, 'BAD_CREDENTIALS', 'That is not your current password.');
	}
}

/**
 * A new address is unverified until the link mailed to it is used; mailed first, so a failed
 * send changes nothing. A verified earlier address is told where the account's mail goes now.
 * `countMail` counts the verification mail against its limits (429) once it is sure to be sent.
 */
export async function saveEmail(
	{ store, hub, mailer }: HttpDeps,
	user: UserProfile,
	email: string,
	sendVerification: (user: UserProfile) => Promise<void>,
	unchanged: string,
	countMail: () => void
) {
	if (emailKey(email) === emailKey(user.email)) throw new HttpError(409, 'EMAIL_UNCHANGED', unchanged);
	countMail();
	await sendVerification({ ...user, email, emailVerified: false });
	store.setEmail(user.id, email);
	await hub.refreshProfile(user.id);
	// An unverified address may be a stranger's (a typo): it is not told about the account.
	if (user.emailVerified) await mailer.send(emailChangedMail(user, email)).catch((err: unknown) => console.error('address change notice failed', err));
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
export function replacePassword({ store, hub }: HttpDeps, userId: string, hash: string, keep?: string) {
	const ended = store.transaction(() => {
		store.setPasswordHash(userId, hash);
		const others = store.sessionsOf(userId).filter((h) => h !== keep);
		for (const h of others) store.deleteSession(h);
		return others;
	});
	for (const h of ended) hub.endSession(h);
}
