import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLOSE, orgDocId } from '$lib/protocol/messages.ts';
import { PASSWORD, TestServer, cookieOf, post, signUp, verificationLink, verifyEmail } from './test-client.ts';

const INDEX = join(import.meta.dirname, '../../build/index.html');

let t: TestServer;
beforeEach(async () => {
	t = await new TestServer().start();
});
afterEach(() => t.stop());

const signIn = (username: string, password = PASSWORD) => post(t.base, '/api/signin', { username, password });
const me = (cookie: string) => fetch(new URL('/api/me', t.base), { headers: { cookie } });

describe('account API', () => {
	it('refuses invalid sign-ups with 400, a code and a message', async () => {
		const cases: [object, RegExp][] = [
			[{ username: 'a!', email: 'a@example.com', password: PASSWORD }, /username is 3–32 characters/],
			[{ username: 'alice', email: 'not-an-email', password: PASSWORD }, /valid email/],
			[{ username: 'alice', email: 'a@example.com', password: 'short' }, /at least 12 characters/],
			[{ username: 'alice' }, /.+/]
		];
		for (const [body, message] of cases) {
			const res = await post(t.base, '/api/signup', body);
			expect(res.status).toBe(400);
			const json = (await res.json()) as { code: string; message: string };
			expect(json.code).toBe('INVALID_INPUT');
			expect(json.message).toMatch(message);
		}
		const notJson = await fetch(new URL('/api/signup', t.base), { method: 'POST', body: 'username=alice' });
		expect(notJson.status).toBe(415);
		const badJson = await fetch(new URL('/api/signup', t.base), {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: '{'
		});
		expect(badJson.status).toBe(400);
		expect(await badJson.json()).toMatchObject({ code: 'INVALID_JSON' });
	});

	it('refuses a taken username with 409, whatever its case; an email may repeat', async () => {
		await signUp(t.base, 'alice', 'shared@example.com');
		for (const username of ['alice', 'ALICE', 'Alice']) {
			const res = await post(t.base, '/api/signup', { username, email: 'x@example.com', password: PASSWORD });
			expect(res.status).toBe(409);
			expect(await res.json()).toMatchObject({ code: 'USERNAME_TAKEN', message: expect.stringContaining('taken') });
		}
		expect((await signUp(t.base, 'bob', 'shared@example.com')).user.email).toBe('shared@example.com');
	});

	it('signs in with the right password (any case of the name) and refuses a wrong one with 401', async () => {
		const { user } = await signUp(t.base, 'alice');
		const wrong = await signIn('alice', 'wrong password');
		expect(wrong.status).toBe(401);
		expect(await wrong.json()).toMatchObject({ code: 'BAD_CREDENTIALS' });
		expect((await signIn('nobody')).status).toBe(401);
		const right = await signIn('ALICE');
		expect(right.status).toBe(200);
		expect(await (await me(cookieOf(right))).json()).toEqual({ user, stepUpValidForMs: 0, recoveryCodesLeft: 0 });
	});

	it('rate-limits sign-in after 5 failures with 429 and retry-after', async () => {
		await signUp(t.base, 'alice');
		await signUp(t.base, 'bob');
		for (let i = 0; i < 5; i++) expect((await signIn(i % 2 ? 'alice' : 'Alice', 'wrong password')).status).toBe(401);
		const limited = await signIn('alice');
		expect(limited.status).toBe(429);
		expect(await limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
		expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
		expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60);
		expect((await signIn('bob')).status).toBe(200);
	});

	// Attempts are counted before the slow password check, so parallel guesses cannot slip past the limit.
	it('rate-limits concurrent sign-in attempts too', async () => {
		await signUp(t.base, 'alice');
		const res = await Promise.all(Array.from({ length: 20 }, () => signIn('alice', 'wrong password')));
		expect(res.filter((r) => r.status === 401).length).toBeLessThanOrEqual(5);
	});

	it('sets an HttpOnly, SameSite session cookie', async () => {
		const up = await post(t.base, '/api/signup', { username: 'alice', email: 'a@example.com', password: PASSWORD });
		for (const res of [up, await signIn('alice')]) {
			const header = res.headers.get('set-cookie')!;
			expect(header).toMatch(/^roster_session=[\w-]{20,};/);
			expect(header).toMatch(/;\s*HttpOnly/i);
			expect(header).toMatch(/;\s*SameSite=(Lax|Strict)/i);
			expect(header).toMatch(/;\s*Path=\//);
		}
	});

	it('sign-out ends that session: the API answers 401 and the websocket closes with 4401', async () => {
		const { cookie } = await signUp(t.base, 'alice');
		const other = cookieOf(await signIn('alice'));
		const live = await t.connect(cookie);
		const out = await post(t.base, '/api/signout', {}, { cookie });
		// A socket opened with the session closes at once, not only new ones.
		expect(await live.closed).toEqual({ code: 4401, reason: 'Not signed in' });
		expect(out.status).toBe(200);
		expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
		expect((await me(cookie)).status).toBe(401);
		const ws = await t.connect(cookie);
		expect(await ws.closed).toEqual({ code: 4401, reason: 'Not signed in' });
		// Another session of the same user is untouched.
		expect((await me(other)).status).toBe(200);
		expect((await t.connect(other)).welcome().user.username).toBe('alice');
	});

	it('never puts a password hash into a replicated document', async () => {
		const alice = await t.user('alice');
		const bob = await t.user('bob');
		expect(await alice.client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject({ ok: true });
		expect(await alice.client.mutate({ type: 'member.add', orgId: 'acme', username: 'bob', role: 'ORG_OWNER' })).toMatchObject({
			ok: true
		});
		expect(await verifyEmail(t.dataDir, bob.user.email)).toBe('/?verified=1');
		await alice.client.until(() => alice.client.org('acme').members[bob.user.id]?.emailVerified === true);
		await bob.client.until(() => bob.client.org('acme').members[bob.user.id]?.emailVerified === true);

		const hashes = await Promise.all(['alice', 'bob'].map(async (n) => (await t.server.accounts.userByUsername(n))!.passwordHash));
		expect(hashes[0]).toMatch(/^scrypt\$/);
		const blobs = (await t.server.documents.docUpdates(orgDocId('acme'))).map((r) => Buffer.from(r.data).toString('latin1'));
		expect(blobs.length).toBeGreaterThan(0);
		const replicated = [
			...blobs,
			...[alice.client, bob.client].flatMap((c) => [JSON.stringify(c.docs.get(orgDocId('acme'))!.toJSON()), JSON.stringify(c.messages)])
		];
		for (const text of replicated) {
			expect(text).not.toContain('scrypt');
			expect(text).not.toMatch(/password/i);
			for (const h of hashes) expect(text).not.toContain(h.split('$').pop());
		}
	});

	it('accepts a verification link once', async () => {
		const { cookie, user } = await signUp(t.base, 'alice');
		expect(user.emailVerified).toBe(false);
		const link = verificationLink(t.dataDir, user.email);
		expect(await verifyEmail(t.dataDir, user.email)).toBe('/?verified=1');
		expect(await (await me(cookie)).json()).toMatchObject({ user: { emailVerified: true } });
		const again = await fetch(link, { redirect: 'manual' });
		expect(again.status).toBe(302);
		expect(again.headers.get('location')).toBe('/?verified=0');
		const forged = await fetch(new URL('/api/verify-email?token=forged', t.base), { redirect: 'manual' });
		expect(forged.headers.get('location')).toBe('/?verified=0');
	});

	it.skipIf(!existsSync(INDEX))('serves index.html for any app path, and 404 JSON for unknown API paths', async () => {
		for (const path of ['/orgs/abc/members', '/', '/signin']) {
			const res = await fetch(new URL(path, t.base));
			expect(res.status).toBe(200);
			expect(res.headers.get('content-type')).toMatch(/text\/html/);
			expect(await res.text()).toBe(readFileSync(INDEX, 'utf8'));
		}
		const api = await fetch(new URL('/api/nope', t.base));
		expect(api.status).toBe(404);
		expect(await api.json()).toMatchObject({ code: 'NOT_FOUND' });
	});
});

describe('sessions per user', () => {
	it('never ends the session a sign-in just opened, even when every session started at the same moment', async () => {
		await t.stop();
		t = await new TestServer({ now: () => Date.UTC(2026, 10, 30) }).start();
		await t.user('tia');
		for (let i = 0; i < 60; i++) {
			const cookie = cookieOf(await post(t.base, '/api/signin', { username: 'tia', password: PASSWORD }));
			expect((await fetch(new URL('/api/me', t.base), { headers: { cookie } })).status).toBe(200);
		}
	});

	it('keeps the newest 50: signing in again and again ends the oldest, closing its sockets', async () => {
		const { cookie: first, client } = await t.user('sam');
		const cookies = [first];
		for (let i = 0; i < 50; i++) cookies.push(cookieOf(await post(t.base, '/api/signin', { username: 'sam', password: PASSWORD })));
		expect(await t.server.accounts.sessionsOf((await t.server.accounts.userByUsername('sam'))!.id)).toHaveLength(50);
		expect((await fetch(new URL('/api/me', t.base), { headers: { cookie: first } })).status).toBe(401);
		expect((await fetch(new URL('/api/me', t.base), { headers: { cookie: cookies[1]! } })).status).toBe(200);
		expect(await client.closed).toMatchObject({ code: CLOSE.unauthenticated.code });
	});
});
