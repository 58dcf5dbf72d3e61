import { z } from 'zod';
import { DisplayName, Email, Password, STEP_UP_TTL_MS, Username, publicProfile } from '$lib/domain/index.ts';
import { hashIsCurrent, hashPassword, tokenHash } from '../auth.ts';
import { refuseWeakPassword } from '../common-passwords.ts';
import { sendVerification } from './account-writes.ts';
import type { HttpApp } from './deps.ts';
import { json, rateLimited, usernameTaken } from './io.ts';
import { endSession, startSession } from './sessions.ts';
import { HttpError, type RouteRequest, type SignedInRequest } from './types.ts';

/** Signing up, in and out, verifying an address, and who is signed in. */

export const SignUp = z.strictObject({ username: Username, email: Email, password: Password, displayName: DisplayName.default('') });
export const SignIn = z.strictObject({
	username: z.string().max(64),
	password: z.string().max(200),
	code: z.string().trim().max(32).optional()
});

/** POST /api/signup: the account, a verification mail, and a session. */
export async function signUp({ deps, mails }: HttpApp, { req, res, body }: RouteRequest<z.infer<typeof SignUp>>) {
	const { accounts } = deps;
	if (await accounts.userByUsername(body.username)) throw usernameTaken(body.username);
	refuseWeakPassword(body.password);
	await mails.countSignUp(deps.edge.clientAddress(req), body.email, deps.now());
	const user = {
		id: crypto.randomUUID(),
		username: body.username,
		email: body.email,
		emailVerified: false,
		displayName: body.displayName,
		passwordHash: await hashPassword(body.password, deps.scrypt)
	};
	if (!(await accounts.insertUser(user, deps.now()))) throw usernameTaken(body.username);
	// The account exists either way: if the mail server is down, the Account page's "Resend link" tries again.
	await sendVerification(deps, user).catch((err: unknown) => console.error('verification mail failed', err));
	await startSession(deps, res, user.id);
	json(res, 201, { user: publicProfile(user) });
}

/** POST /api/signin: the password, and with two-factor on a code; a raised password cost reaches the stored hash here. */
export async function signIn({ deps, attempts, codes }: HttpApp, { req, res, body }: RouteRequest<z.infer<typeof SignIn>>) {
	const { accounts } = deps;
	const now = deps.now();
	const user = await accounts.userByUsername(body.username);
	// rules §5: it has no password to check, and its secret is for the HTTP API only; usernames are no secret, so saying so costs nothing.
	if (user?.service) {
		throw new HttpError(
			401,
			'SERVICE_ACCOUNT',
			`${user.username} is a service account: it never signs in, it calls the HTTP API with a secret.`
		);
	}
	// Counted per user, so that renaming does not reset the count; a name nobody has is counted by name.
	const account = user?.id ?? `name:${body.username.toLowerCase()}`;
	const address = deps.edge.clientAddress(req);
	const check = await attempts.verify(account, address, now, body.password, user?.passwordHash);
	if ('wait' in check) throw rateLimited(check.wait, 'failed sign-in attempts');
	if (!user || !check.ok) throw new HttpError(401, 'BAD_CREDENTIALS', 'That username and password do not match.');
	// Raised costs reach stored hashes as their users sign in (the password is at hand only now).
	if (!hashIsCurrent(user.passwordHash, deps.scrypt)) {
		await accounts.setPasswordHash(user.id, await hashPassword(body.password.normalize('NFC'), deps.scrypt));
	}
	// rules §4: with two-factor on, the password alone opens nothing.
	if (user.twoFactor) {
		if (!body.code) throw new HttpError(401, 'CODE_REQUIRED', 'Enter the code from your authenticator app, or a recovery code.');
		await codes.verify(user.id, body.code);
	}
	// rules §4: signing in with a verified address accepts what was sent to it meanwhile.
	await deps.hub.acceptInvitations(user.id);
	await startSession(deps, res, user.id, !!user.twoFactor);
	json(res, 200, { user: publicProfile(user) });
}

/** POST /api/signout: ends this session, whether or not it was still live. */
export async function signOut({ deps }: HttpApp, { req, res }: RouteRequest) {
	await endSession(deps, req, res);
	json(res, 200, {});
}

/** GET /api/verify-email?token=: the address is verified while it is still the user's; lands where an accepted invitation leads. */
export async function verifyEmail({ deps }: HttpApp, { url, res }: RouteRequest) {
	const { accounts, hub } = deps;
	const token = url.searchParams.get('token') ?? '';
	const row = await accounts.consumeEmailToken(tokenHash(token), deps.now());
	const ok = row !== undefined && (await accounts.markEmailVerified(row.user_id, row.email));
	let location = ok ? '/?verified=1' : '/?verified=0';
	if (ok) {
		await hub.refreshProfile(row.user_id);
		// Land where an accepted invitation leads (its project, else its organization).
		const [first] = await hub.acceptInvitations(row.user_id);
		if (first) location = `/orgs/${first.orgId}${first.projectId ? `/projects/${first.projectId}` : ''}?verified=1`;
	}
	res.writeHead(302, { location });
	res.end();
}

/** GET /api/me: the user, how long this session's step-up still holds, and the recovery codes left. */
export async function me({ deps }: HttpApp, { res, me }: SignedInRequest) {
	const steppedUpAt = (await deps.accounts.session(me.hash))?.stepped_up_at ?? undefined;
	json(res, 200, {
		user: me.user,
		stepUpValidForMs: steppedUpAt === undefined ? 0 : Math.max(0, steppedUpAt + STEP_UP_TTL_MS - deps.now()),
		recoveryCodesLeft: me.user.twoFactor ? await deps.accounts.recoveryCodesLeft(me.user.id) : 0
	});
}
