import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { CurrentPassword, STEP_UP_TTL_MS, TwoFactorCode, publicProfile, securityGate, type HttpAct, type MutationType, type OrgState } from '$lib/domain/index.ts';
import { confirmPassword } from './account-writes.ts';
import { RateLimiter, type PasswordAttempts } from './auth.ts';
import type { HttpDeps } from './http.ts';
import { HttpError, json, parse, rateLimited, readJson } from './http-io.ts';
import type { SignedIn } from './profile-api.ts';
import { enrolment, newRecoveryCodes, newTotpSecret, recoveryHash, totpStep } from './two-factor.ts';

const CodeInput = z.strictObject({ code: TwoFactorCode });
/** Turning two-factor on or off, or new recovery codes: a code and the current password (a stolen session alone is not enough). */
const CodeAndPassword = z.strictObject({ code: TwoFactorCode, password: CurrentPassword });

/**
 * SPEC §4 on the HTTP routes that act on an organization (not mutations themselves, or asked
 * before one is written): the domain's one gate, with the request's session's step-up.
 * `state` is an organization `me` is a member of.
 */
export function requireGate(deps: HttpDeps, me: SignedIn, state: OrgState, act: MutationType | HttpAct) {
	const ctx = { actorId: me.user.id, now: deps.now(), steppedUpAt: deps.store.session(me.hash)?.stepped_up_at ?? undefined };
	const refusal = securityGate(state.org()!, state.member(me.user.id)!, ctx, act);
	if (refusal) throw new HttpError(403, refusal.code, refusal.message);
}

const badCode = () => new HttpError(401, 'BAD_CODE', 'That code is not right, or it was used already. Enter the current one.');

/**
 * SPEC §4 two-factor: enrolment (QR code and manual key, confirmed by a first code),
 * recovery codes (shown once, stored hashed), the step-up that confirms sensitive
 * changes for 10 minutes, and the code asked at sign-in.
 */
export class TwoFactorApi {
	// Six digits are guessable without a limit: 5 wrong codes per user in 15 minutes, wherever they are entered.
	private readonly attempts = new RateLimiter(5, 15 * 60_000);

	constructor(
		private readonly deps: HttpDeps,
		private readonly passwords: PasswordAttempts
	) {}

	/**
	 * Accepts a current authenticator code (each at most once) or spends a recovery code;
	 * `pending` checks the secret offered at enrolment instead. Throws when wrong or limited;
	 * returns the code's time step (undefined for a recovery code).
	 */
	verify(userId: string, code: string, pending = false): number | undefined {
		const { store } = this.deps;
		const now = this.deps.now();
		const wait = this.attempts.retryAfter(userId, now);
		if (wait > 0) throw rateLimited(wait, 'wrong codes');
		const row = store.twoFactor(userId);
		const secret = pending ? row?.pending : row?.secret;
		const step = secret ? totpStep(secret, code, now) : undefined;
		const ok =
			step !== undefined
				? pending || store.useTotpStep(userId, step)
				: !pending && !!row?.secret && store.useRecoveryCode(userId, recoveryHash(code));
		if (!ok) {
			this.attempts.count(userId, now);
			throw badCode();
		}
		this.attempts.clear(userId);
		return step;
	}

	/** POST /api/me/two-factor/setup: a new secret to scan; two-factor is on only once a code from it is confirmed. */
	async setup(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		await readJson(req);
		if (me.user.twoFactor) throw new HttpError(409, 'TWO_FACTOR_ON', 'Two-factor is already on. Turn it off first to enrol another app.');
		const secret = newTotpSecret();
		this.deps.store.setTotpPending(me.user.id, secret);
		json(res, 200, await enrolment(secret, me.user.username));
	}

	/**
	 * POST /api/me/two-factor/enable {code, password}: confirms the app works, turns two-factor
	 * on and shows the recovery codes once. The password first: whoever holds only the session
	 * cannot tie the account to an app of theirs.
	 */
	async enable(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		const { code, password } = parse(CodeAndPassword, await readJson(req));
		const { store, hub } = this.deps;
		if (me.user.twoFactor) throw new HttpError(409, 'TWO_FACTOR_ON', 'Two-factor is already on.');
		if (!store.twoFactor(me.user.id)?.pending) throw new HttpError(409, 'NO_ENROLMENT', 'Start the setup again: there is no key waiting to be confirmed.');
		await confirmPassword(this.deps, this.passwords, me.user.id, req, password);
		const step = this.verify(me.user.id, code, true)!;
		const codes = newRecoveryCodes();
		if (!store.enableTotp(me.user.id, step, codes.map(recoveryHash))) {
			throw new HttpError(409, 'NO_ENROLMENT', 'Start the setup again: there is no key waiting to be confirmed.');
		}
		// The code just entered confirms this session, as a sign-in with one would.
		store.stepUp(me.hash, this.deps.now());
		await hub.refreshProfile(me.user.id);
		json(res, 200, { user: this.reload(me), recoveryCodes: codes, stepUpValidForMs: STEP_UP_TTL_MS });
	}

	/** POST /api/me/two-factor/disable {code, password}. */
	async disable(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		const { code, password } = parse(CodeAndPassword, await readJson(req));
		this.requireOn(me);
		await confirmPassword(this.deps, this.passwords, me.user.id, req, password);
		this.verify(me.user.id, code);
		this.deps.store.disableTotp(me.user.id);
		await this.deps.hub.refreshProfile(me.user.id);
		json(res, 200, { user: this.reload(me) });
	}

	/** POST /api/me/two-factor/recovery-codes {code, password}: a new set; the old codes stop working. */
	async newRecoveryCodes(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		const { code, password } = parse(CodeAndPassword, await readJson(req));
		this.requireOn(me);
		await confirmPassword(this.deps, this.passwords, me.user.id, req, password);
		this.verify(me.user.id, code);
		const codes = newRecoveryCodes();
		this.deps.store.replaceRecoveryCodes(me.user.id, codes.map(recoveryHash));
		json(res, 200, { recoveryCodes: codes });
	}

	/** POST /api/me/step-up {code}: confirms sensitive changes from this session for the next 10 minutes. */
	async stepUp(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		const { code } = parse(CodeInput, await readJson(req));
		this.requireOn(me);
		this.verify(me.user.id, code);
		this.deps.store.stepUp(me.hash, this.deps.now());
		json(res, 200, { stepUpValidForMs: STEP_UP_TTL_MS });
	}

	/** What GET /api/me adds about this session and the user's two-factor. */
	status(me: SignedIn) {
		const { store } = this.deps;
		const steppedUpAt = store.session(me.hash)?.stepped_up_at ?? undefined;
		return {
			stepUpValidForMs: steppedUpAt === undefined ? 0 : Math.max(0, steppedUpAt + STEP_UP_TTL_MS - this.deps.now()),
			recoveryCodesLeft: me.user.twoFactor ? store.recoveryCodesLeft(me.user.id) : 0
		};
	}

	private requireOn(me: SignedIn) {
		if (!me.user.twoFactor) throw new HttpError(409, 'TWO_FACTOR_OFF', 'Two-factor is not on for your account.');
	}

	private reload(me: SignedIn) {
		return publicProfile(this.deps.store.user(me.user.id)!);
	}
}
