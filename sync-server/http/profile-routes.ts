import type { EmailChange, PasswordChange, ProfileUpdate } from '$lib/domain/index.ts';
import { hashPassword } from '../auth.ts';
import { refuseWeakPassword } from '../common-passwords.ts';
import { confirmPassword, reload, replacePassword, saveEmail, saveProfile, sendVerification } from './account-writes.ts';
import type { HttpApp } from './deps.ts';
import { json, spendBudget } from './io.ts';
import { HttpError, type SignedInRequest } from './types.ts';

/** A signed-in user's own account: username and display name, email address, password. */

/**
 * PATCH /api/me: username (unique) and display name; member copies in organization documents
 * follow live. A new username (what the user signs in with) needs the current password.
 */
export async function updateProfile({ deps, attempts }: HttpApp, { req, res, me, body }: SignedInRequest<ProfileUpdate>) {
	// Each change is copied into every organization of the user and broadcast: it spends the user's budget.
	spendBudget(deps.hub, me.user.id);
	if (body.username !== undefined && body.username !== me.user.username) {
		if (body.password === undefined) throw new HttpError(401, 'PASSWORD_REQUIRED', 'Enter your current password to change your username.');
		await confirmPassword(deps, attempts, me.user.id, req, body.password);
	}
	await saveProfile(deps, me.user, body);
	json(res, 200, { user: await reload(deps, me.user.id) });
}

/** POST /api/me/email: with the current password; the new address is unverified until the link mailed to it is used. */
export async function changeEmail({ deps, attempts, mails }: HttpApp, { req, res, me, body }: SignedInRequest<EmailChange>) {
	await confirmPassword(deps, attempts, me.user.id, req, body.password);
	await saveEmail(deps, me.user, body.email, 'That is already your email address.', () => mails.count(me.user.id, body.email, deps.now()));
	json(res, 200, { user: await reload(deps, me.user.id) });
}

/** POST /api/me/resend-verification: a new link for the current, unverified address. */
export async function resendVerification({ deps, mails }: HttpApp, { res, me }: SignedInRequest) {
	if (me.user.emailVerified) throw new HttpError(409, 'ALREADY_VERIFIED', 'Your email address is already verified.');
	await mails.count(me.user.id, me.user.email, deps.now());
	await sendVerification(deps, me.user);
	json(res, 200, { user: me.user });
}

/** POST /api/me/password: needs the current password; every other session of the user ends. */
export async function changePassword({ deps, attempts }: HttpApp, { req, res, me, body }: SignedInRequest<PasswordChange>) {
	refuseWeakPassword(body.next);
	await confirmPassword(deps, attempts, me.user.id, req, body.current);
	await replacePassword(deps, me.user.id, await hashPassword(body.next, deps.scrypt), me.hash);
	json(res, 200, { user: me.user });
}
