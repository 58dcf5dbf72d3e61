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

/** Fixed-window failure counter per key (username, address). */
export class RateLimiter {
	private readonly failures = new Map<string, { count: number; since: number }>();
	constructor(
		private readonly max: number,
		private readonly windowMs: number
	) {}

	/** Milliseconds until another attempt is allowed; 0 when allowed now. */
	retryAfter(key: string, now: number): number {
		const f = this.failures.get(key);
		if (!f || now - f.since >= this.windowMs) return 0;
		return f.count >= this.max ? f.since + this.windowMs - now : 0;
	}

	fail(key: string, now: number) {
		const f = this.failures.get(key);
		if (!f || now - f.since >= this.windowMs) this.failures.set(key, { count: 1, since: now });
		else f.count++;
	}

	clear(key: string) {
		this.failures.delete(key);
	}

	/** Takes back one counted attempt (it succeeded). */
	forgive(key: string) {
		const f = this.failures.get(key);
		if (f && f.count > 0) f.count--;
	}
}
