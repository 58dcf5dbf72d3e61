import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;

/** scrypt's cost: N (a power of two), block size r, parallelism p. */
export interface ScryptCost {
	N: number;
	r: number;
	p: number;
}

/** OWASP Password Storage Cheat Sheet: N=2^17, r=8, p=1 (128 MiB and a few tenths of a second per hash). */
export const OWASP_SCRYPT: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };

/** OWASP's cost, or N = 2^log2N (tests, benchmarks); a nonsense value stops the start-up. */
export function scryptCost(log2N = 17): ScryptCost {
	if (!Number.isInteger(log2N) || log2N < 4 || log2N > 20)
		throw new Error('The password cost is log2 of scrypt N: a whole number from 4 to 20.');
	return { ...OWASP_SCRYPT, N: 2 ** log2N };
}

/** scrypt needs 128·N·r·p bytes; twice that leaves room, and a stored N beyond 2^20 is not believed. */
function scryptOptions({ N, r, p }: ScryptCost) {
	if (!(N >= 2 && N <= 2 ** 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16)) throw new Error('scrypt cost out of range');
	return { N, r, p, maxmem: 256 * N * r * p };
}

/** scrypt with a random salt; the cost is stored with it, so it can be raised later (rehashed at sign-in). */
export async function hashPassword(password: string, cost: ScryptCost): Promise<string> {
	const salt = randomBytes(16);
	const hash = await scryptAsync(password, salt, 32, scryptOptions(cost));
	return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
	const [alg, n, r, p, salt, hash] = stored.split('$');
	if (alg !== 'scrypt' || !salt || !hash) return false;
	const expected = Buffer.from(hash, 'base64');
	const options = scryptOptions({ N: Number(n), r: Number(r), p: Number(p) });
	const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, options);
	return timingSafeEqual(actual, expected);
}

/** Whether a stored hash was made at `cost`; an older one is replaced at the next sign-in. */
export function hashIsCurrent(stored: string, cost: ScryptCost): boolean {
	const [alg, n, r, p] = stored.split('$');
	return alg === 'scrypt' && Number(n) === cost.N && Number(r) === cost.r && Number(p) === cost.p;
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

	/** Attempts counted on `key` in its current window. */
	countOf(key: string, now: number): number {
		const f = this.counts.get(key);
		return !f || now - f.since >= this.windowMs ? 0 : f.count;
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

const WINDOW_MS = 15 * 60_000;
/** Failures on one account (from anywhere) in a window before each further attempt is slowed. */
const SLOW_AFTER = 10;

/** The pause before an attempt on an account with `failures` recent failures: doubling from 250 ms, at most 5 s. */
export function slowdownMs(failures: number): number {
	return failures < SLOW_AFTER ? 0 : Math.min(250 * 2 ** (failures - SLOW_AFTER), 5000);
}

/**
 * Password guesses, whichever way the password is asked for (sign-in, or a password change
 * through a stolen session). `account` is the user's id, or `name:<username>` for a name no
 * user has. Nobody can lock a user out: the hard limits are 5 failures per account from one
 * client address and 50 per address in 15 minutes; failures on the account from everywhere
 * only slow each attempt (slowdownMs), so the right password from an address that has not
 * failed always signs in.
 */
export class PasswordAttempts {
	private readonly byPair = new RateLimiter(5, WINDOW_MS);
	private readonly byAddress = new RateLimiter(50, WINDOW_MS);
	private readonly byAccount = new RateLimiter(Number.MAX_SAFE_INTEGER, WINDOW_MS);
	/** Checked when there is no user, so an unknown username costs the same scrypt work as a known one. */
	private readonly dummy: Promise<string>;

	constructor(cost: ScryptCost) {
		this.dummy = hashPassword(randomBytes(16).toString('base64'), cost);
	}

	/** Milliseconds until `account` may be tried again from `address` (0: now). */
	retryAfter(account: string, address: string, now: number): number {
		return Math.max(this.byPair.retryAfter(`${account}\n${address}`, now), this.byAddress.retryAfter(address, now));
	}

	/** Checks a password, counting the attempt before the (slow) check so parallel guesses cannot slip past the limit. */
	async verify(account: string, address: string, now: number, password: string, stored: string | undefined): Promise<boolean> {
		const pair = `${account}\n${address}`;
		const pause = slowdownMs(this.byAccount.countOf(account, now));
		this.byPair.count(pair, now);
		this.byAddress.count(address, now);
		this.byAccount.count(account, now);
		if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
		if (!(await matches(password, stored ?? (await this.dummy)))) return false;
		this.byPair.clear(pair);
		this.byAddress.forgive(address);
		this.byAccount.forgive(account);
		return true;
	}
}

/** New passwords are stored in NFC (the Password schema); one set before that is tried as typed too. */
async function matches(password: string, stored: string): Promise<boolean> {
	const nfc = password.normalize('NFC');
	if (await verifyPassword(nfc, stored)) return true;
	return nfc !== password && verifyPassword(password, stored);
}
