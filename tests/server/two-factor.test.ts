import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrol, totpCode } from './enrol.ts';
import { atRest } from './store-sql.ts';
import { PASSWORD, TestClient, TestServer, cookieOf, post, signUp } from './test-client.ts';

let t: TestServer;
let now: number;
const base = () => t.base;

beforeEach(async () => {
	now = Date.UTC(2026, 10, 23, 12, 0, 0);
	t = await new TestServer({ now: () => now }).start();
});
afterEach(() => t.stop());

const code = (secret: string) => totpCode(secret, now);
const call = (path: string, cookie: string, body: unknown = {}) => post(base(), path, body, { cookie });
const me = (cookie: string) => fetch(new URL('/api/me', base()), { headers: { cookie } });

/** Signs up and turns two-factor on; returns the secret and the recovery codes shown once. */
async function enrolled(username: string) {
	const { cookie, user } = await signUp(base(), username);
	return { cookie, user, ...(await enrol(base(), cookie, now)) };
}

const signIn = (username: string, extra: Record<string, string> = {}) =>
	post(base(), '/api/signin', { username, password: PASSWORD, ...extra });

describe('enrolment and sign-in (rules §4)', () => {
	it('offers a QR code and a key, turns on only with a code from it, and then asks for a code at sign-in', async () => {
		const { cookie } = await signUp(base(), 'alice');
		const setup = (await (await call('/api/me/two-factor/setup', cookie)).json()) as { secret: string; uri: string; qr: string };
		expect(setup.uri).toMatch(/^otpauth:\/\/totp\/Roster:alice\?.*secret=/);
		expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/);
		expect(setup.qr).toMatch(/^data:image\/svg\+xml;base64,/);
		expect(Buffer.from(setup.qr.split(',')[1]!, 'base64').toString()).toContain('<svg');

		const wrong = await call('/api/me/two-factor/enable', cookie, {
			code: '000000' === code(setup.secret) ? '111111' : '000000',
			password: PASSWORD
		});
		expect(wrong.status).toBe(401);
		expect(await wrong.json()).toMatchObject({ code: 'BAD_CODE' });
		expect(((await (await me(cookie)).json()) as { user: { twoFactor: boolean } }).user.twoFactor).toBe(false);

		const res = await call('/api/me/two-factor/enable', cookie, { code: code(setup.secret), password: PASSWORD });
		const body = (await res.json()) as { user: { twoFactor: boolean }; recoveryCodes: string[]; stepUpValidForMs: number };
		expect(body.user.twoFactor).toBe(true);
		expect(body.recoveryCodes).toHaveLength(10);
		expect(new Set(body.recoveryCodes).size).toBe(10);
		expect(body.stepUpValidForMs).toBe(10 * 60_000);
		expect(await (await me(cookie)).json()).toMatchObject({ recoveryCodesLeft: 10 });

		// The password alone opens nothing; the enrolment's code cannot be used twice.
		expect(await (await signIn('alice')).json()).toMatchObject({ code: 'CODE_REQUIRED' });
		expect(await (await signIn('alice', { code: code(setup.secret) })).json()).toMatchObject({ code: 'BAD_CODE' });
		now += 30_000;
		const ok = await signIn('alice', { code: code(setup.secret) });
		expect(ok.status).toBe(200);
		// Signing in with a code confirms sensitive changes for 10 minutes.
		expect(await (await me(cookieOf(ok))).json()).toMatchObject({ stepUpValidForMs: 10 * 60_000 });
		// A wrong password says nothing about two-factor.
		expect(
			await (await post(base(), '/api/signin', { username: 'alice', password: 'wrong password', code: '123456' })).json()
		).toMatchObject({
			code: 'BAD_CREDENTIALS'
		});
	});

	it('a recovery code signs in once; the codes are stored keyed hashes', async () => {
		const { recoveryCodes } = await enrolled('alice');
		const [first] = recoveryCodes;
		expect((await signIn('alice', { code: first!.toUpperCase() })).status).toBe(200);
		expect(await (await signIn('alice', { code: first! })).json()).toMatchObject({ code: 'BAD_CODE' });
		const session = cookieOf(await signIn('alice', { code: recoveryCodes[1]! }));
		expect(await (await me(session)).json()).toMatchObject({ recoveryCodesLeft: 8 });

		for (const text of await atRest(t.dataDir, t.server)) {
			for (const c of recoveryCodes) expect(text.includes(c)).toBe(false);
		}
	});

	it('limits wrong codes to 5 in 15 minutes', async () => {
		const { secret } = await enrolled('alice');
		const wrong = String((Number(code(secret)) + 1) % 1_000_000).padStart(6, '0');
		for (let i = 0; i < 5; i++) expect((await signIn('alice', { code: wrong })).status).toBe(401);
		const limited = await signIn('alice', { code: wrong });
		expect(limited.status).toBe(429);
		expect(await limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
	});

	it('turning it off needs a code (and the password); the member copies in organizations follow', async () => {
		const alice = await enrolled('alice');
		const client = await TestClient.connect(t.server.port, alice.cookie);
		expect(await client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject({ ok: true });
		await client.sync('org:acme');
		await client.until(() => client.org('acme').members[alice.user.id]?.twoFactor === true);
		expect((await call('/api/me/two-factor/disable', alice.cookie, { code: 'nope-nope', password: PASSWORD })).status).toBe(401);
		now += 30_000;
		const off = await call('/api/me/two-factor/disable', alice.cookie, { code: code(alice.secret), password: PASSWORD });
		expect(off.status).toBe(200);
		await client.until(() => client.org('acme').members[alice.user.id]?.twoFactor === false);
		expect((await signIn('alice')).status).toBe(200);
		client.close();
	});
});

describe('step-up before sensitive changes (rules §4), enforced by the server', () => {
	it('refuses without a code from the last 10 minutes and accepts with one', async () => {
		const alice = await enrolled('alice');
		const bob = await signUp(base(), 'bob');
		const client = await TestClient.connect(t.server.port, alice.cookie);
		expect(client.welcome()).toMatchObject({ stepUpValidForMs: 10 * 60_000 });
		expect(await client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject({ ok: true });
		// Enrolment's code confirms this session for now.
		expect(await client.mutate({ type: 'member.add', orgId: 'acme', username: 'bob', role: 'ORG_MEMBER' })).toMatchObject({ ok: true });

		now += 11 * 60_000;
		const setRole = { type: 'member.setRole', orgId: 'acme', userId: bob.user.id, role: 'ORG_READ_ONLY' } as const;
		expect(await client.mutate(setRole)).toMatchObject({ ok: false, code: 'STEP_UP_REQUIRED' });
		await client.sync('org:acme');
		expect(client.org('acme').members[bob.user.id]?.role).toBe('ORG_MEMBER');
		// What is not sensitive needs no code.
		expect(await client.mutate({ type: 'team.create', orgId: 'acme', teamId: 't1', name: 'Ops' })).toMatchObject({ ok: true });

		expect((await call('/api/me/step-up', alice.cookie, { code: '12345' })).status).toBe(400);
		const stepUp = await call('/api/me/step-up', alice.cookie, { code: code(alice.secret) });
		expect(await stepUp.json()).toEqual({ stepUpValidForMs: 10 * 60_000 });
		expect(await client.mutate(setRole)).toMatchObject({ ok: true });
		await client.until(() => client.org('acme').members[bob.user.id]?.role === 'ORG_READ_ONLY');

		// The card route (an HTTP path to a sensitive mutation) asks the same.
		now += 11 * 60_000;
		const card = { org: 'acme', number: '4242 4242 4242 4242', expMonth: 12, expYear: 2099, cvc: '123', holder: 'Alice' };
		const refused = await call('/api/cards', alice.cookie, card);
		expect(refused.status).toBe(403);
		expect(await refused.json()).toMatchObject({ code: 'STEP_UP_REQUIRED' });
		expect((await call('/api/me/step-up', alice.cookie, { code: code(alice.secret) })).status).toBe(200);
		expect((await call('/api/cards', alice.cookie, card)).status).toBe(201);
		client.close();
	});
});

describe('step-up on the routes that are not mutations', () => {
	it('creating, changing and deleting a managed user, and Pay now, ask for a fresh code too', async () => {
		const alice = await enrolled('alice');
		const client = await TestClient.connect(t.server.port, alice.cookie);
		await client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' });
		now += 11 * 60_000;
		const input = { org: 'acme', username: 'mia', email: 'mia@example.com', password: 'a first password', role: 'ORG_OWNER' };
		const refused = await call('/api/managed-users', alice.cookie, input);
		expect(refused.status).toBe(403);
		expect(await refused.json()).toMatchObject({ code: 'STEP_UP_REQUIRED' });
		expect(await t.server.accounts.userByUsername('mia')).toBeUndefined();
		expect(await (await call('/api/invoices/pay', alice.cookie, { org: 'acme' })).json()).toMatchObject({ code: 'STEP_UP_REQUIRED' });

		expect((await call('/api/me/step-up', alice.cookie, { code: code(alice.secret) })).status).toBe(200);
		const created = await call('/api/managed-users', alice.cookie, input);
		expect(created.status).toBe(201);
		const { user } = (await created.json()) as { user: { id: string } };
		now += 11 * 60_000;
		const reset = await call('/api/managed-users/password', alice.cookie, { userId: user.id, password: 'another password' });
		expect(await reset.json()).toMatchObject({ code: 'STEP_UP_REQUIRED' });
		const del = await fetch(new URL('/api/managed-users', base()), {
			method: 'DELETE',
			headers: { cookie: alice.cookie, 'content-type': 'application/json' },
			body: JSON.stringify({ userId: user.id })
		});
		expect(await del.json()).toMatchObject({ code: 'STEP_UP_REQUIRED' });
		expect(await t.server.accounts.user(user.id)).toBeDefined();
		client.close();
	});
});

describe('organization security (rules §2, §4)', () => {
	it('with two-factor required, a member without it can only view until it enrolls', async () => {
		const alice = await enrolled('alice');
		const bob = await signUp(base(), 'bob');
		const admin = await TestClient.connect(t.server.port, alice.cookie);
		await admin.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' });
		expect(await admin.mutate({ type: 'member.add', orgId: 'acme', username: 'bob', role: 'ORG_OWNER' })).toMatchObject({ ok: true });
		const require = {
			type: 'org.setSecurity',
			orgId: 'acme',
			requireTwoFactor: true,
			idleTimeoutMinutes: null,
			absoluteTimeoutHours: null
		} as const;
		expect(await admin.mutate(require)).toMatchObject({ ok: true });

		const member = await TestClient.connect(t.server.port, bob.cookie);
		await member.sync('org:acme');
		expect(member.org('acme').members).toHaveProperty(bob.user.id);
		expect(await member.mutate({ type: 'team.create', orgId: 'acme', teamId: 't1', name: 'Ops' })).toMatchObject({
			ok: false,
			code: 'TWO_FACTOR_REQUIRED'
		});

		await enrol(base(), bob.cookie, now);
		expect(await member.mutate({ type: 'team.create', orgId: 'acme', teamId: 't2', name: 'Ops' })).toMatchObject({ ok: true });
		admin.close();
		member.close();
	});
});
