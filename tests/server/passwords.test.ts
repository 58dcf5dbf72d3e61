import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../sync-server/auth.ts';
import { PASSWORD, TEST_PASSWORD_COST, cookieOf, post, signUp } from './test-client.ts';
import { serverForEachTest } from './fixtures.ts';
// Counts scrypt runs, to show an unknown username costs the same hashing work as a known one (no timing involved).
import { scryptRuns } from './scrypt-runs.ts';

const COMMON = 'qwertyuiop123'; // 13 characters, on the bundled list of common passwords
const STRONG = 'a brand new passphrase';

const t = serverForEachTest();

/** A JSON POST sent from a given loopback address (127.0.0.0/8), as if from another client. */
function postFrom(from: string, path: string, body: unknown, cookie?: string) {
	return new Promise<{ status: number; headers: Record<string, unknown>; body: { code?: string; message?: string } }>((resolve, reject) => {
		const req = request(
			new URL(path, t.base),
			{ method: 'POST', localAddress: from, headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) } },
			(res) => {
				let text = '';
				res.on('data', (chunk: Buffer) => (text += chunk.toString()));
				res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text || '{}') as object }));
			}
		);
		req.on('error', reject);
		req.end(JSON.stringify(body));
	});
}

const signIn = (from: string, username: string, password = PASSWORD) => postFrom(from, '/api/signin', { username, password });
const send = (method: string, path: string, cookie: string, body: unknown) =>
	fetch(new URL(path, t.base), { method, headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
const storedHash = async (username: string) => (await t.server.accounts.userByUsername(username))!.passwordHash;

async function refusal(res: Response, status: number, code: string): Promise<string> {
	const body = (await res.json()) as { code: string; message: string };
	expect([res.status, body.code]).toEqual([status, code]);
	return body.message;
}

describe('new passwords (ASVS 2.1)', () => {
	it('refuses a common or breached password at sign-up, password change and managed-user create and reset', async () => {
		const body = { username: 'alice', email: 'alice@example.com', password: COMMON.toUpperCase() };
		expect(await refusal(await post(t.base, '/api/signup', body), 400, 'WEAK_PASSWORD')).toMatch(/common and breached passwords/);
		expect(await t.server.accounts.userByUsername('alice')).toBeUndefined();

		const { cookie } = await signUp(t.base, 'alice');
		const before = await storedHash('alice');
		await refusal(await send('POST', '/api/me/password', cookie, { current: PASSWORD, next: 'PasswordPassword' }), 400, 'WEAK_PASSWORD');
		expect(await storedHash('alice')).toBe(before);

		const owner = await t.user('ann');
		await owner.client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' });
		const mia = { org: 'acme', username: 'mia', email: 'mia@example.com', role: 'ORG_MEMBER' };
		await refusal(await send('POST', '/api/managed-users', owner.cookie, { ...mia, password: COMMON }), 400, 'WEAK_PASSWORD');
		expect(await t.server.accounts.userByUsername('mia')).toBeUndefined();
		const created = await send('POST', '/api/managed-users', owner.cookie, { ...mia, password: STRONG });
		const { user } = (await created.json()) as { user: { id: string } };
		await refusal(
			await send('POST', '/api/managed-users/password', owner.cookie, { userId: user.id, password: 'password1234' }),
			400,
			'WEAK_PASSWORD'
		);
		expect((await signIn('127.0.0.1', 'mia', STRONG)).status).toBe(200);
	});

	it('refuses fewer than 12 characters and more than 128, counting characters, not bytes', async () => {
		const signUpWith = (password: string) => post(t.base, '/api/signup', { username: 'bob', email: 'bob@example.com', password });
		expect(await refusal(await signUpWith('eleven char'), 400, 'INVALID_INPUT')).toMatch(/at least 12 characters/);
		expect(await refusal(await signUpWith('x'.repeat(129)), 400, 'INVALID_INPUT')).toMatch(/at most 128 characters/);
		// 64 emoji are 128 UTF-16 units but 64 characters; then NFC: é typed either way is one password.
		expect((await signUpWith('🔑'.repeat(64))).status).toBe(201);
		const { cookie } = await signUp(t.base, 'carol');
		expect(
			(await send('POST', '/api/me/password', cookie, { current: PASSWORD, next: 'cafe\u0301 au lait, s’il vous plaît' })).status
		).toBe(200);
		expect((await signIn('127.0.0.1', 'carol', 'caf\u00e9 au lait, s’il vous plaît')).status).toBe(200);
	});
});

describe('password hashes', () => {
	it('rehashes a password stored at an older scrypt cost when its user signs in', async () => {
		await signUp(t.base, 'alice');
		expect(await storedHash('alice')).toMatch(new RegExp(`^scrypt\\$${2 ** TEST_PASSWORD_COST}\\$8\\$1\\$`));
		const alice = (await t.server.accounts.userByUsername('alice'))!;
		await t.server.accounts.setPasswordHash(alice.id, await hashPassword(PASSWORD, { N: 256, r: 8, p: 1 }));

		expect((await signIn('127.0.0.1', 'alice', 'not the password')).status).toBe(401);
		expect(await storedHash('alice')).toMatch(/^scrypt\$256\$8\$1\$/);
		expect((await signIn('127.0.0.1', 'alice')).status).toBe(200);
		expect(await storedHash('alice')).toMatch(new RegExp(`^scrypt\\$${2 ** TEST_PASSWORD_COST}\\$8\\$1\\$`));
		expect((await signIn('127.0.0.1', 'alice')).status).toBe(200);
	});

	it('does the same scrypt work for a username nobody has as for a wrong password', async () => {
		await signUp(t.base, 'alice');
		const runs = async (username: string) => {
			const before = scryptRuns.count;
			expect((await signIn('127.0.0.1', username, 'a wrong password')).status).toBe(401);
			return scryptRuns.count - before;
		};
		const known = await runs('alice');
		expect(known).toBeGreaterThan(0);
		expect(await runs('nobody')).toBe(known);
	});
});

describe('guessing limits', () => {
	it('a flood of wrong passwords from one address does not lock the user out from another', async () => {
		await signUp(t.base, 'alice');
		for (let i = 0; i < 5; i++) expect((await signIn('127.0.0.2', 'alice', 'a wrong password')).status).toBe(401);
		const limited = await signIn('127.0.0.2', 'alice');
		expect([limited.status, limited.body.code]).toEqual([429, 'RATE_LIMITED']);
		expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
		expect((await signIn('127.0.0.3', 'alice')).status).toBe(200);
		// The wrong guesses counted only against alice from that address: others sign in from it.
		await signUp(t.base, 'bob');
		expect((await signIn('127.0.0.2', 'bob')).status).toBe(200);
	});
});

describe('mail and sign-up limits', () => {
	it('count only mail that is sent: an address change to the same address costs nothing', async () => {
		const cookie = cookieOf(await post(t.base, '/api/signup', { username: 'una', email: 'una@example.com', password: PASSWORD }));
		for (let i = 0; i < 6; i++)
			await refusal(await send('POST', '/api/me/email', cookie, { email: 'una@example.com', password: PASSWORD }), 409, 'EMAIL_UNCHANGED');
		expect((await send('POST', '/api/me/email', cookie, { email: 'una@example.org', password: PASSWORD })).status).toBe(200);
	});

	it('caps accounts created from one client address at 10 an hour', async () => {
		const signUpFrom = (from: string, username: string) =>
			postFrom(from, '/api/signup', { username, email: `${username}@example.com`, password: PASSWORD });
		for (let i = 0; i < 10; i++) expect((await signUpFrom('127.0.0.4', `user${i}`)).status).toBe(201);
		const limited = await signUpFrom('127.0.0.4', 'user10');
		expect([limited.status, limited.body.code]).toEqual([429, 'RATE_LIMITED']);
		expect(limited.body.message).toMatch(/Too many accounts created from your address/);
		expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
		expect(await t.server.accounts.userByUsername('user10')).toBeUndefined();
		expect((await signUpFrom('127.0.0.5', 'user10')).status).toBe(201);
	});

	it('sends one address at most 3 verification mails an hour, whoever asks', async () => {
		const victim = 'victim@example.com';
		const cookies = [];
		for (const name of ['ann', 'ben', 'cat', 'dan'])
			cookies.push(cookieOf(await post(t.base, '/api/signup', { username: name, email: `${name}@example.com`, password: PASSWORD })));
		for (const cookie of cookies.slice(0, 3))
			expect((await send('POST', '/api/me/email', cookie, { email: victim, password: PASSWORD })).status).toBe(200);
		expect(
			await refusal(await send('POST', '/api/me/email', cookies[3]!, { email: victim, password: PASSWORD }), 429, 'RATE_LIMITED')
		).toMatch(/Too many verification emails to that address/);
		expect((await t.server.accounts.userByUsername('dan'))!.email).toBe('dan@example.com');
		await refusal(
			await post(t.base, '/api/signup', { username: 'eve', email: 'Victim@example.com', password: PASSWORD }),
			429,
			'RATE_LIMITED'
		);
		await refusal(await send('POST', '/api/me/resend-verification', cookies[0]!, {}), 429, 'RATE_LIMITED');
	});
});
