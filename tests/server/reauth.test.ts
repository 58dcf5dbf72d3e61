import { beforeEach, describe, expect, it } from 'vitest';
import type { UserProfile } from '$lib/domain/index.ts';
import { enrol, totpCode } from './enrol.ts';
import { PASSWORD, post, verifyEmail } from './test-client.ts';
import { serverForEachTest } from './fixtures.ts';
import { mails } from './mail.ts';

const WRONG = 'not my password';
let now = Date.UTC(2026, 10, 23, 12);
beforeEach(() => {
	now = Date.UTC(2026, 10, 23, 12);
});
const t = serverForEachTest({ now: () => now });

const send = (method: string, path: string, cookie: string, body: unknown) =>
	fetch(new URL(path, t.base), { method, headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const me = async (cookie: string) =>
	((await (await fetch(new URL('/api/me', t.base), { headers: { cookie } })).json()) as { user: UserProfile }).user;
const signIn = (username: string, password = PASSWORD) => post(t.base, '/api/signin', { username, password });
const mailsTo = (email: string) => mails(t.dataDir, email);

async function answer(res: Response) {
	return { status: res.status, code: ((await res.json()) as { code?: string }).code };
}

describe('the current password before an account-takeover change (ASVS re-authentication)', () => {
	it('is asked to change the email address, the username or the password: missing or wrong, nothing changes', async () => {
		const { cookie, user } = await t.user('alice');
		const changes: [string, string, Record<string, unknown>][] = [
			['POST', '/api/me/email', { email: 'eve@example.net' }],
			['PATCH', '/api/me', { username: 'eve' }],
			['POST', '/api/me/password', { next: 'a new and longer passphrase' }]
		];
		for (const [method, path, body] of changes) {
			const missing = await answer(await send(method, path, cookie, body));
			expect({ path, missing }).toEqual({
				path,
				missing: path === '/api/me' ? { status: 401, code: 'PASSWORD_REQUIRED' } : { status: 400, code: 'INVALID_INPUT' }
			});
			const field = path === '/api/me/password' ? 'current' : 'password';
			expect({ path, wrong: await answer(await send(method, path, cookie, { ...body, [field]: WRONG })) }).toEqual({
				path,
				wrong: { status: 401, code: 'BAD_CREDENTIALS' }
			});
		}
		expect(await me(cookie)).toEqual(user);
		expect(mailsTo('eve@example.net')).toEqual([]);
		expect((await signIn('alice')).status).toBe(200);

		// With it, each goes through; a display name alone needs none.
		expect((await send('PATCH', '/api/me', cookie, { displayName: 'Alice A.' })).status).toBe(200);
		expect((await send('PATCH', '/api/me', cookie, { username: 'alice', displayName: 'Alice' })).status).toBe(200);
		expect((await send('PATCH', '/api/me', cookie, { username: 'alicia', password: PASSWORD })).status).toBe(200);
		expect((await send('POST', '/api/me/email', cookie, { email: 'alicia@example.com', password: PASSWORD })).status).toBe(200);
		expect(await me(cookie)).toMatchObject({ username: 'alicia', displayName: 'Alice', email: 'alicia@example.com' });
	});

	it('is asked to turn two-factor on or off and for new recovery codes, besides a code', async () => {
		const { cookie } = await t.user('alice');
		const { secret } = (await (await post(t.base, '/api/me/two-factor/setup', {}, { cookie })).json()) as { secret: string };
		const enable = (body: object) => post(t.base, '/api/me/two-factor/enable', { code: totpCode(secret, now), ...body }, { cookie });
		expect(await answer(await enable({}))).toEqual({ status: 400, code: 'INVALID_INPUT' });
		expect(await answer(await enable({ password: WRONG }))).toEqual({ status: 401, code: 'BAD_CREDENTIALS' });
		expect((await me(cookie)).twoFactor).toBe(false);
		expect((await enable({ password: PASSWORD })).status).toBe(200);

		for (const path of ['/api/me/two-factor/recovery-codes', '/api/me/two-factor/disable']) {
			now += 30_000;
			const code = totpCode(secret, now);
			expect({ path, ...(await answer(await post(t.base, path, { code }, { cookie }))) }).toEqual({
				path,
				status: 400,
				code: 'INVALID_INPUT'
			});
			expect({ path, ...(await answer(await post(t.base, path, { code, password: WRONG }, { cookie }))) }).toEqual({
				path,
				status: 401,
				code: 'BAD_CREDENTIALS'
			});
			expect((await post(t.base, path, { code, password: PASSWORD }, { cookie })).status).toBe(200);
		}
		expect((await me(cookie)).twoFactor).toBe(false);
	});

	it('counts wrong passwords on these routes with failed sign-ins: five, and even the right one waits', async () => {
		const { cookie } = await t.user('alice');
		await enrol(t.base, cookie, now);
		expect((await signIn('alice', WRONG)).status).toBe(401);
		expect((await send('PATCH', '/api/me', cookie, { username: 'eve', password: WRONG })).status).toBe(401);
		expect((await post(t.base, '/api/me/email', { email: 'eve@example.net', password: WRONG }, { cookie })).status).toBe(401);
		now += 30_000;
		expect((await post(t.base, '/api/me/two-factor/disable', { code: '123456', password: WRONG }, { cookie })).status).toBe(401);
		expect((await post(t.base, '/api/me/two-factor/recovery-codes', { code: '123456', password: WRONG }, { cookie })).status).toBe(401);
		const limited = await post(t.base, '/api/me/email', { email: 'eve@example.net', password: PASSWORD }, { cookie });
		expect(limited.status).toBe(429);
		expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
		expect((await signIn('alice')).status).toBe(429);
		expect(await me(cookie)).toMatchObject({ username: 'alice', email: 'alice@example.com', twoFactor: true });
	});
});

describe('an email change tells the earlier address', () => {
	it('mails a verified earlier address where the account now goes (masked); an unverified one is not told', async () => {
		const { cookie } = await t.user('alice');
		await verifyEmail(t.dataDir, 'alice@example.com');
		expect((await post(t.base, '/api/me/email', { email: 'eve@mail.example.net', password: PASSWORD }, { cookie })).status).toBe(200);
		const [notice, ...more] = mailsTo('alice@example.com').filter((m) => m.subject.includes('was changed'));
		expect(more).toEqual([]);
		expect(notice!.subject).toBe('The email address of your Roster account was changed');
		expect(notice!.text).toContain('to e***@m***.net');
		expect(notice!.text).not.toContain('eve@');
		expect(notice!.text).not.toMatch(/token=/);

		// The new address was never verified: moving on from it tells it nothing.
		expect((await post(t.base, '/api/me/email', { email: 'alice@example.org', password: PASSWORD }, { cookie })).status).toBe(200);
		expect(mailsTo('eve@mail.example.net').filter((m) => m.subject.includes('was changed'))).toEqual([]);
	});
});
