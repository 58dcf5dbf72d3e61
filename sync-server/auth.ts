import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { takeAll, type Limiter, type MakeLimiter } from './limits.ts';

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
	private readonly byPair: Limiter;
	private readonly byAddress: Limiter;
	private readonly byAccount: Limiter;
	/** Checked when there is no user, so an unknown username costs the same scrypt work as a known one. */
	private readonly dummy: Promise<string>;

	constructor(cost: ScryptCost, limiter: MakeLimiter) {
		this.byPair = limiter('password-pair', 5, WINDOW_MS);
		this.byAddress = limiter('password-address', 50, WINDOW_MS);
		this.byAccount = limiter('password-account', Number.MAX_SAFE_INTEGER, WINDOW_MS);
		this.dummy = hashPassword(randomBytes(16).toString('base64'), cost);
	}

	/**
	 * Checks a password, counting the attempt before the (slow) check and in one step with the
	 * limits' check, so parallel guesses (on any server) cannot slip past the limit. When `account`
	 * may not be tried from `address` now: the milliseconds until it may, and nothing is checked.
	 */
	async verify(account: string, address: string, now: number, password: string, stored: string | undefined): Promise<PasswordCheck> {
		const pair = `${account}\n${address}`;
		const pause = slowdownMs(await this.byAccount.countOf(account, now));
		const refused = await takeAll(now, [this.byPair, pair], [this.byAddress, address]);
		// The later of the two (when the pair is spent, the address may be too).
		if (refused) return { wait: Math.max(refused.wait, await this.byAddress.retryAfter(address, now)) };
		await this.byAccount.count(account, now);
		if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
		if (!(await matches(password, stored ?? (await this.dummy)))) return { ok: false };
		await this.byPair.clear(pair);
		await this.byAddress.forgive(address);
		await this.byAccount.forgive(account);
		return { ok: true };
	}
}

/** A password checked (right or not), or refused unchecked: `wait` milliseconds until it may be tried. */
export type PasswordCheck = { ok: boolean } | { wait: number };

/** New passwords are stored in NFC (the Password schema); one set before that is tried as typed too. */
async function matches(password: string, stored: string): Promise<boolean> {
	const nfc = password.normalize('NFC');
	if (await verifyPassword(nfc, stored)) return true;
	return nfc !== password && verifyPassword(password, stored);
}
