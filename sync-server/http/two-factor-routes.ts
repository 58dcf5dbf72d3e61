import { z } from 'zod';
import { CurrentPassword, STEP_UP_TTL_MS, TwoFactorCode } from '$lib/domain/index.ts';
import { enrolment, newRecoveryCodes as freshCodes, newTotpSecret, recoveryHash } from '../two-factor.ts';
import { confirmPassword, reload } from './account-writes.ts';
import type { HttpApp } from './deps.ts';
import { json } from './io.ts';
import { HttpError, type SignedIn, type SignedInRequest } from './types.ts';

/**
 * rules §4 two-factor: enrolment (QR code and manual key, confirmed by a first code),
 * recovery codes (shown once, stored hashed), and the step-up that confirms sensitive
 * changes for 10 minutes. The code asked at sign-in is TwoFactorCodes'.
 */

export const CodeInput = z.strictObject({ code: TwoFactorCode });
/** Turning two-factor on or off, or new recovery codes: a code and the current password (a stolen session alone is not enough). */
export const CodeAndPassword = z.strictObject({ code: TwoFactorCode, password: CurrentPassword });
type CodeAndPassword = z.infer<typeof CodeAndPassword>;

const noEnrolment = () => new HttpError(409, 'NO_ENROLMENT', 'Start the setup again: there is no key waiting to be confirmed.');

function requireOn(me: SignedIn) {
	if (!me.user.twoFactor) throw new HttpError(409, 'TWO_FACTOR_OFF', 'Two-factor is not on for your account.');
}

/** POST /api/me/two-factor/setup: a new secret to scan; two-factor is on only once a code from it is confirmed. */
export async function setup({ deps }: HttpApp, { res, me }: SignedInRequest) {
	if (me.user.twoFactor) throw new HttpError(409, 'TWO_FACTOR_ON', 'Two-factor is already on. Turn it off first to enrol another app.');
	const secret = newTotpSecret();
	await deps.accounts.setTotpPending(me.user.id, secret);
	json(res, 200, await enrolment(secret, me.user.username));
}

/**
 * POST /api/me/two-factor/enable {code, password}: confirms the app works, turns two-factor
 * on and shows the recovery codes once. The password first: whoever holds only the session
 * cannot tie the account to an app of theirs.
 */
export async function enable({ deps, attempts, codes }: HttpApp, { req, res, me, body }: SignedInRequest<CodeAndPassword>) {
	const { accounts, hub } = deps;
	if (me.user.twoFactor) throw new HttpError(409, 'TWO_FACTOR_ON', 'Two-factor is already on.');
	if (!(await accounts.twoFactor(me.user.id))?.pending) throw noEnrolment();
	await confirmPassword(deps, attempts, me.user.id, req, body.password);
	const step = (await codes.verify(me.user.id, body.code, true))!;
	const recoveryCodes = freshCodes();
	if (!(await accounts.enableTotp(me.user.id, step, recoveryCodes.map(recoveryHash)))) throw noEnrolment();
	// The code just entered confirms this session, as a sign-in with one would.
	await accounts.stepUp(me.hash, deps.now());
	await hub.refreshProfile(me.user.id);
	json(res, 200, { user: await reload(deps, me.user.id), recoveryCodes, stepUpValidForMs: STEP_UP_TTL_MS });
}

/** POST /api/me/two-factor/disable {code, password}. */
export async function disable({ deps, attempts, codes }: HttpApp, { req, res, me, body }: SignedInRequest<CodeAndPassword>) {
	requireOn(me);
	await confirmPassword(deps, attempts, me.user.id, req, body.password);
	await codes.verify(me.user.id, body.code);
	await deps.accounts.disableTotp(me.user.id);
	await deps.hub.refreshProfile(me.user.id);
	json(res, 200, { user: await reload(deps, me.user.id) });
}

/** POST /api/me/two-factor/recovery-codes {code, password}: a new set; the old codes stop working. */
export async function newRecoveryCodes({ deps, attempts, codes }: HttpApp, { req, res, me, body }: SignedInRequest<CodeAndPassword>) {
	requireOn(me);
	await confirmPassword(deps, attempts, me.user.id, req, body.password);
	await codes.verify(me.user.id, body.code);
	const recoveryCodes = freshCodes();
	await deps.accounts.replaceRecoveryCodes(me.user.id, recoveryCodes.map(recoveryHash));
	json(res, 200, { recoveryCodes });
}

/** POST /api/me/step-up {code}: confirms sensitive changes from this session for the next 10 minutes. */
export async function stepUp({ deps, codes }: HttpApp, { res, me, body }: SignedInRequest<z.infer<typeof CodeInput>>) {
	requireOn(me);
	await codes.verify(me.user.id, body.code);
	await deps.accounts.stepUp(me.hash, deps.now());
	json(res, 200, { stepUpValidForMs: STEP_UP_TTL_MS });
}
