import type { Limiter, MakeLimiter } from '../limits.ts';
import type { AccountStore } from '../storage/accounts.ts';
import { recoveryHash, totpStep } from '../two-factor.ts';
import { rateLimited } from './io.ts';
import { HttpError } from './types.ts';

const badCode = () => new HttpError(401, 'BAD_CODE', 'That code is not right, or it was used already. Enter the current one.');

/** rules §4: the codes a user enters (at sign-in, enrolment, step-up): an authenticator's, or a recovery code. */
export class TwoFactorCodes {
	private readonly attempts: Limiter;

	constructor(
		private readonly accounts: AccountStore,
		private readonly now: () => number,
		limiter: MakeLimiter
	) {
		// Six digits are guessable without a limit: 5 wrong codes per user in 15 minutes, wherever they are entered.
		this.attempts = limiter('two-factor-code', 5, 15 * 60_000);
	}

	/**
	 * Accepts a current authenticator code (each at most once) or spends a recovery code;
	 * `pending` checks the secret offered at enrolment instead. Throws when wrong or limited;
	 * returns the code's time step (undefined for a recovery code).
	 */
	async verify(userId: string, code: string, pending = false): Promise<number | undefined> {
		const { accounts } = this;
		const now = this.now();
		const wait = await this.attempts.retryAfter(userId, now);
		if (wait > 0) throw rateLimited(wait, 'wrong codes');
		const row = await accounts.twoFactor(userId);
		const secret = pending ? row?.pending : row?.secret;
		const step = secret ? totpStep(secret, code, now) : undefined;
		const ok =
			step !== undefined
				? pending || (await accounts.useTotpStep(userId, step))
				: !pending && !!row?.secret && (await accounts.useRecoveryCode(userId, recoveryHash(code)));
		if (!ok) {
			await this.attempts.count(userId, now);
			throw badCode();
		}
		await this.attempts.clear(userId);
		return step;
	}
}
