import { emailKey } from '$lib/domain/index.ts';
import { RateLimiter } from './auth.ts';
import { rateLimited } from './http/io.ts';

const HOUR_MS = 60 * 60_000;

/**
 * Verification mail goes to whatever address the caller typed, so nobody can flood an
 * inbox through Roster: a few an hour per sender (a signed-in user, an admin) and per
 * recipient, across every route that sends one; sign-ups are counted per client address.
 */
export class MailLimits {
	private readonly bySender = new RateLimiter(5, HOUR_MS);
	private readonly byRecipient = new RateLimiter(3, HOUR_MS);
	private readonly signUps: RateLimiter;

	constructor(signUpsPerHour: number) {
		this.signUps = new RateLimiter(signUpsPerHour, HOUR_MS);
	}

	/** Counts a verification mail from `sender` (a user id) to `email`, or refuses with 429 before anything is written. */
	count(sender: string, email: string, now: number) {
		take(now, [this.bySender, sender, 'verification emails'], [this.byRecipient, emailKey(email), 'verification emails to that address']);
	}

	/** Counts a sign-up from a client address, and its verification mail. */
	countSignUp(address: string, email: string, now: number) {
		take(
			now,
			[this.signUps, address, 'accounts created from your address'],
			[this.byRecipient, emailKey(email), 'verification emails to that address']
		);
	}
}

/** Counts one on every limiter, or on none and refuses with 429 (naming what there were too many of) if one is spent. */
function take(now: number, ...limits: [RateLimiter, string, string][]) {
	for (const [limiter, key, what] of limits) {
		const wait = limiter.retryAfter(key, now);
		if (wait > 0) throw rateLimited(wait, what);
	}
	for (const [limiter, key] of limits) limiter.count(key, now);
}
