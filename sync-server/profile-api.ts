import type { IncomingMessage, ServerResponse } from 'node:http';
import { EmailChange, PasswordChange, ProfileUpdate, emailKey, publicProfile, type UserProfile } from '$lib/domain/index.ts';
import { RateLimiter, hashPassword, type PasswordAttempts } from './auth.ts';
import type { HttpDeps } from './http.ts';
import { HttpError, json, parse, rateLimited, readJson, usernameTaken } from './http-io.ts';

/** The signed-in user of a request and its session's hash. */
export interface SignedIn {
	user: UserProfile;
	hash: string;
}

/** A signed-in user's own account: username and display name, email address, password. */
export class ProfileApi {
	// Verification mail goes to whatever address the user typed: a few an hour, so a session cannot flood someone's inbox.
	private readonly mails = new RateLimiter(5, 60 * 60_000);

	constructor(
		private readonly deps: HttpDeps,
		private readonly attempts: PasswordAttempts,
		private readonly sendVerification: (user: UserProfile) => Promise<void>
	) {}

	/** PATCH /api/me: username (unique) and display name; member copies in organization documents follow live. */
	async update(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		const input = parse(ProfileUpdate, await readJson(req));
		const profile = { username: input.username ?? me.user.username, displayName: input.displayName ?? me.user.displayName };
		// Saving an unchanged form writes nothing, to any document.
		if (profile.username === me.user.username && profile.displayName === me.user.displayName) return json(res, 200, { user: me.user });
		try {
			this.deps.store.updateProfile(me.user.id, profile);
		} catch (err) {
			if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw usernameTaken(profile.username);
			throw err;
		}
		this.deps.hub.refreshProfile(me.user.id);
		json(res, 200, { user: this.reload(me) });
	}

	/** POST /api/me/email: the new address is unverified until the link mailed to it is used. */
	async changeEmail(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		const { email } = parse(EmailChange, await readJson(req));
		if (emailKey(email) === emailKey(me.user.email)) {
			throw new HttpError(409, 'EMAIL_UNCHANGED', 'That is already your email address.');
		}
		this.countMail(me.user.id);
		// Mailed first: if sending fails, the address stays as it was.
		await this.sendVerification({ ...me.user, email, emailVerified: false });
		this.deps.store.setEmail(me.user.id, email);
		this.deps.hub.refreshProfile(me.user.id);
		json(res, 200, { user: this.reload(me) });
	}

	/** POST /api/me/resend-verification: a new link for the current, unverified address. */
	async resendVerification(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		await readJson(req);
		if (me.user.emailVerified) throw new HttpError(409, 'ALREADY_VERIFIED', 'Your email address is already verified.');
		this.countMail(me.user.id);
		await this.sendVerification(me.user);
		json(res, 200, { user: me.user });
	}

	/** POST /api/me/password: needs the current password; every other session of the user ends. */
	async changePassword(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		const input = parse(PasswordChange, await readJson(req));
		const { store, hub } = this.deps;
		const address = req.socket.remoteAddress ?? '?';
		const now = this.deps.now();
		const wait = this.attempts.retryAfter(me.user.id, address, now);
		if (wait > 0) throw rateLimited(wait, 'wrong passwords');
		if (!(await this.attempts.verify(me.user.id, address, now, input.current, store.user(me.user.id)?.passwordHash))) {
			throw new HttpError(403, 'WRONG_PASSWORD', 'That is not your current password.');
		}
		const hash = await hashPassword(input.next);
		const ended = store.transaction(() => {
			store.setPasswordHash(me.user.id, hash);
			const others = store.sessionsOf(me.user.id).filter((h) => h !== me.hash);
			for (const h of others) store.deleteSession(h);
			return others;
		});
		for (const h of ended) hub.endSession(h);
		json(res, 200, { user: me.user });
	}

	private countMail(userId: string) {
		const now = this.deps.now();
		const wait = this.mails.retryAfter(userId, now);
		if (wait > 0) throw rateLimited(wait, 'verification emails');
		this.mails.count(userId, now);
	}

	private reload(me: SignedIn): UserProfile {
		return publicProfile(this.deps.store.user(me.user.id)!);
	}
}
