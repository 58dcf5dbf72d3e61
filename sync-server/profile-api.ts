import type { IncomingMessage, ServerResponse } from 'node:http';
import { EmailChange, PasswordChange, ProfileUpdate, publicProfile, type UserProfile } from '$lib/domain/index.ts';
import { confirmPassword, replacePassword, saveEmail, saveProfile } from './account-writes.ts';
import { hashPassword, type PasswordAttempts } from './auth.ts';
import { refuseWeakPassword } from './common-passwords.ts';
import type { HttpDeps } from './http.ts';
import { HttpError, json, parse, readJson, spendBudget } from './http-io.ts';
import type { MailLimits } from './mail-limits.ts';

/** The signed-in user of a request and its session's hash. */
export interface SignedIn {
	user: UserProfile;
	hash: string;
}

/** A signed-in user's own account: username and display name, email address, password. */
export class ProfileApi {
	constructor(
		private readonly deps: HttpDeps,
		private readonly attempts: PasswordAttempts,
		private readonly mails: MailLimits,
		private readonly sendVerification: (user: UserProfile) => Promise<void>
	) {}

	/**
	 * PATCH /api/me: username (unique) and display name; member copies in organization documents
	 * follow live. A new username (what the user signs in with) needs the current password.
	 */
	async update(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		const input = parse(ProfileUpdate, await readJson(req));
		// Each change is copied into every organization of the user and broadcast: it spends the user's budget.
		spendBudget(this.deps.hub, me.user.id);
		if (input.username !== undefined && input.username !== me.user.username) {
			if (input.password === undefined) throw new HttpError(401, 'PASSWORD_REQUIRED', 'Enter your current password to change your username.');
			await confirmPassword(this.deps, this.attempts, me.user.id, req, input.password);
		}
		await saveProfile(this.deps, me.user, input);
		json(res, 200, { user: this.reload(me) });
	}

	/** POST /api/me/email: with the current password; the new address is unverified until the link mailed to it is used. */
	async changeEmail(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		const { email, password } = parse(EmailChange, await readJson(req));
		await confirmPassword(this.deps, this.attempts, me.user.id, req, password);
		await saveEmail(this.deps, me.user, email, this.sendVerification, 'That is already your email address.', () =>
			this.mails.count(me.user.id, email, this.deps.now())
		);
		json(res, 200, { user: this.reload(me) });
	}

	/** POST /api/me/resend-verification: a new link for the current, unverified address. */
	async resendVerification(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		await readJson(req);
		if (me.user.emailVerified) throw new HttpError(409, 'ALREADY_VERIFIED', 'Your email address is already verified.');
		this.mails.count(me.user.id, me.user.email, this.deps.now());
		await this.sendVerification(me.user);
		json(res, 200, { user: me.user });
	}

	/** POST /api/me/password: needs the current password; every other session of the user ends. */
	async changePassword(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		const input = parse(PasswordChange, await readJson(req));
		refuseWeakPassword(input.next);
		await confirmPassword(this.deps, this.attempts, me.user.id, req, input.current);
		replacePassword(this.deps, me.user.id, await hashPassword(input.next, this.deps.scrypt), me.hash);
		json(res, 200, { user: me.user });
	}

	private reload(me: SignedIn): UserProfile {
		return publicProfile(this.deps.store.user(me.user.id)!);
	}
}
