import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** scrypt with a random salt; the parameters are stored so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
	const salt = randomBytes(16);
	const hash = await scryptAsync(password, salt, 32, SCRYPT);
	return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
	const [alg, n, r, p, salt, hash] = stored.split('$');
	if (alg !== 'scrypt' || !salt || !hash) return false;
	const expected = Buffer.from(hash, 'base64');
	const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, {
		N: Number(n),
		r: Number(r),
		p: Number(p),
		maxmem: SCRYPT.maxmem
	});
	return timingSafeEqual(actual, expected);
}

export function newToken(): { token: string; hash: string } {
	const token = randomBytes(32).toString('base64url');
	return { token, hash: tokenHash(token) };
}

/** Tokens are stored hashed, so a copy of the store opens no session. */
export function tokenHash(token: string): string {
	return createHash('sha256').update(token).digest('base64url');
}

/**
 * Fixed-window counter per key (failed attempts, mails sent). Keys are chosen by strangers
 * (names, addresses), so a key is forgotten once its window has passed, and at most `maxKeys`
 * are kept (the oldest window, the nearest to its end, goes first).
 */
export class RateLimiter {
	/** In order of window start: re-inserted when a window starts, so expired keys are at the front. */
	private readonly counts = new Map<string, { count: number; since: number }>();
	constructor(
		private readonly max: number,
		private readonly windowMs: number,
		private readonly maxKeys = 100_000
	) {}

	/** Milliseconds until another attempt is allowed; 0 when allowed now. */
	retryAfter(key: string, now: number): number {
		const f = this.counts.get(key);
		if (!f || now - f.since >= this.windowMs) return 0;
		return f.count >= this.max ? f.since + this.windowMs - now : 0;
	}

	count(key: string, now: number) {
		const f = this.counts.get(key);
		if (f && now - f.since < this.windowMs) {
			f.count++;
			return;
		}
		this.counts.delete(key);
		this.counts.set(key, { count: 1, since: now });
		for (const [k, old] of this.counts) {
			if (now - old.since < this.windowMs && this.counts.size <= this.maxKeys) break;
			this.counts.delete(k);
		}
	}

	clear(key: string) {
		this.counts.delete(key);
	}

	/** Takes back one counted attempt (it succeeded). */
	forgive(key: string) {
		const f = this.counts.get(key);
		if (f && f.count > 0) f.count--;
	}
}

/**
 * Password guesses: at most 5 failures per account and 50 per client address in 15 minutes,
 * whichever way the password is asked for (sign-in, or a password change through a stolen
 * session). `account` is the user's id, or `name:<username>` for a name no user has.
 */
export class PasswordAttempts {
	private readonly byAccount = new RateLimiter(5, 15 * 60_000);
	private readonly byAddress = new RateLimiter(50, 15 * 60_000);

	/** Milliseconds until `account` may try again from `address` (0: now). */
	retryAfter(account: string, address: string, now: number): number {
		return Math.max(this.byAccount.retryAfter(account, now), this.byAddress.retryAfter(address, now));
	}

	/** Checks a password, counting the attempt before the (slow) check so parallel guesses cannot slip past the limit. */
	async verify(account: string, address: string, now: number, password: string, stored: string | undefined): Promise<boolean> {
		this.byAccount.count(account, now);
		this.byAddress.count(address, now);
		const ok = stored !== undefined && (await verifyPassword(password, stored));
		if (ok) {
			this.byAccount.clear(account);
			this.byAddress.forgive(address);
		}
		return ok;
	}
}
