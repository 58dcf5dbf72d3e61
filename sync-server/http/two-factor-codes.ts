import { RateLimiter } from '../auth.ts';
import type { AccountStore } from '../storage/accounts.ts';
import { recoveryHash, totpStep } from '../two-factor.ts';
import { rateLimited } from './io.ts';
import { HttpError } from './types.ts';

const badCode = () => new HttpError(401, 'BAD_CODE', 'That code is not right, or it was used already. Enter the current one.');

/** rules §4: the codes a user enters (at sign-in, enrolment, step-up): an authenticator's, or a recovery code. */
export class TwoFactorCodes {
	// Six digits are guessable without a limit: 5 wrong codes per user in 15 minutes, wherever they are entered.
	private readonly attempts = new RateLimiter(5, 15 * 60_000);

	constructor(
		private readonly accounts: AccountStore,
		private readonly now: () => number
	) {}

	/**
	 * Accepts a current authenticator code (each at most once) or spends a recovery code;
	 * `pending` checks the secret offered at enrolment instead. Throws when wrong or limited;
	 * returns the code's time step (undefined for a recovery code).
	 */
	async verify(userId: string, code: string, pending = false): Promise<number | undefined> {
		const { accounts } = this;
		const now = this.now();
		const wait = this.attempts.retryAfter(userId, now);
		if (wait > 0) throw rateLimited(wait, 'wrong codes');
		const row = await accounts.twoFactor(userId);
		const secret = pending ? row?.pending : row?.secret;
		const step = secret ? totpStep(secret, code, now) : undefined;
		const ok =
			step !== undefined
				? pending || (await accounts.useTotpStep(userId, step))
				: !pending && !!row?.secret && (await accounts.useRecoveryCode(userId, recoveryHash(code)));
		if (!ok) {
			this.attempts.count(userId, now);
			throw badCode();
		}
		this.attempts.clear(userId);
		return step;
	}
}
