import { emailKey } from '$lib/domain/index.ts';
import { rateLimited } from './http/io.ts';
import { takeAll, type Limiter, type MakeLimiter } from './limits.ts';

const HOUR_MS = 60 * 60_000;

/**
 * Verification mail goes to whatever address the caller typed, so nobody can flood an
 * inbox through Roster: a few an hour per sender (a signed-in user, an admin) and per
 * recipient, across every route that sends one; sign-ups are counted per client address.
 */
export class MailLimits {
	private readonly bySender: Limiter;
	private readonly byRecipient: Limiter;
	private readonly signUps: Limiter;

	constructor(signUpsPerHour: number, limiter: MakeLimiter) {
		this.bySender = limiter('mail-sender', 5, HOUR_MS);
		this.byRecipient = limiter('mail-recipient', 3, HOUR_MS);
		this.signUps = limiter('signup-address', signUpsPerHour, HOUR_MS);
	}

	/** Counts a verification mail from `sender` (a user id) to `email`, or refuses with 429 before anything is written. */
	count(sender: string, email: string, now: number) {
		return take(
			now,
			[this.bySender, sender, 'verification emails'],
			[this.byRecipient, emailKey(email), 'verification emails to that address']
		);
	}

	/** Counts a sign-up from a client address, and its verification mail. */
	countSignUp(address: string, email: string, now: number) {
		return take(
			now,
			[this.signUps, address, 'accounts created from your address'],
			[this.byRecipient, emailKey(email), 'verification emails to that address']
		);
	}
}

/** Counts one on every limiter, or on none and refuses with 429 (naming what there were too many of) if one is spent. */
async function take(now: number, ...limits: [Limiter, string, string][]): Promise<void> {
	const refused = await takeAll(now, ...limits.map(([limiter, key]): [Limiter, string] => [limiter, key]));
	if (refused) throw rateLimited(refused.wait, limits[refused.index]![2]);
}
