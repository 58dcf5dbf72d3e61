import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rawRequest, upgradeRequest } from './raw-http.ts';
import { PASSWORD, post, signUp, TestServer } from './test-client.ts';
import type { ServerOptions } from '../../sync-server/server.ts';

let t: TestServer;
let staticDir: string;

async function start(options: Partial<ServerOptions> = {}) {
	staticDir = mkdtempSync(join(tmpdir(), 'roster-static-'));
	mkdirSync(join(staticDir, '_app/immutable'), { recursive: true });
	writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Roster</title>');
	writeFileSync(join(staticDir, 'favicon.svg'), '<svg/>');
	writeFileSync(join(staticDir, '_app/immutable/app.js'), 'export {};');
	t = await new TestServer({ staticDir, ...options }).start();
}

afterEach(async () => {
	await t.stop();
	rmSync(staticDir, { recursive: true, force: true });
});

/** One answer of each kind: API JSON (success and refusals), files, the SPA fallback, errors of static paths. */
async function everyKindOfAnswer() {
	const answers: Record<string, Headers> = {};
	const get = async (name: string, path: string, init?: RequestInit) => {
		const res = await fetch(t.base + path, { redirect: 'manual', ...init });
		answers[name] = res.headers;
		return res;
	};
	const up = await post(t.base, '/api/signup', { username: 'alice', email: 'alice@example.com', password: PASSWORD });
	expect(up.status).toBe(201);
	answers['sign-up'] = up.headers;
	expect((await get('signed out', '/api/me')).status).toBe(401);
	expect((await get('unknown API', '/api/nothing')).status).toBe(404);
	expect((await get('file', '/favicon.svg')).status).toBe(200);
	expect((await get('immutable file', '/_app/immutable/app.js')).status).toBe(200);
	expect((await get('index.html fallback', '/orgs/acme')).status).toBe(200);
	expect((await get('unreadable path', '/%E0%A4%A')).status).toBe(400);
	expect((await get('write to a file', '/favicon.svg', { method: 'POST' })).status).toBe(405);
	expect((await get('verification link', '/api/verify-email?token=nothing')).status).toBe(302);
	return answers;
}

describe('security headers', () => {
	it('go with every answer over http, without HSTS or a Secure cookie', async () => {
		await start();
		for (const [name, headers] of Object.entries(await everyKindOfAnswer())) {
			expect(headers.get('content-security-policy'), name).toContain("frame-ancestors 'none'");
			expect(headers.get('x-content-type-options'), name).toBe('nosniff');
			expect(headers.get('x-frame-options'), name).toBe('DENY');
			expect(headers.get('referrer-policy'), name).toBe('no-referrer');
			expect(headers.get('strict-transport-security'), name).toBeNull();
		}
		const cookie = (await signUp(t.base, 'bob')).cookie;
		expect(cookie).toMatch(/^roster_session=[\w-]{20,}$/);
		const signIn = await post(t.base, '/api/signin', { username: 'bob', password: PASSWORD });
		expect(signIn.headers.get('set-cookie')).toMatch(/^roster_session=[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
	});

	it('leave the page policy to index.html, and let JSON load nothing', async () => {
		await start();
		const answers = await everyKindOfAnswer();
		// The page's script policy (hashes of its inline scripts) is the meta tag kit.csp writes: both policies would apply.
		expect(answers['index.html fallback']!.get('content-security-policy')).not.toMatch(/default-src|script-src/);
		for (const name of ['sign-up', 'signed out', 'unknown API', 'unreadable path', 'write to a file']) {
			expect(answers[name]!.get('content-security-policy'), name).toMatch(/^default-src 'none'/);
		}
		const refused = await rawRequest(t.server.port, upgradeRequest('/elsewhere'), true);
		expect(refused.status).toBe(404);
		expect(refused.head).toMatch(/^content-security-policy: default-src 'none'; frame-ancestors 'none'/im);
		const badVersion = await rawRequest(t.server.port, upgradeRequest('/sync').replace('Version: 13', 'Version: 7'), true);
		expect(badVersion.status).toBe(400);
		expect(JSON.parse(badVersion.body)).toMatchObject({ code: 'BAD_UPGRADE' });
		expect(badVersion.head).toMatch(/^sec-websocket-version: 13$/im);
		expect(badVersion.head).toMatch(/^x-content-type-options: nosniff$/im);
	});

	it('with an https public URL: HSTS everywhere and a Secure __Host- session cookie that opens the API and /sync', async () => {
		await start({ publicUrl: 'https://roster.example' });
		for (const [name, headers] of Object.entries(await everyKindOfAnswer())) {
			expect(headers.get('strict-transport-security'), name).toBe('max-age=31536000');
			expect(headers.get('content-security-policy'), name).toContain("frame-ancestors 'none'");
		}
		const up = await post(t.base, '/api/signup', { username: 'bob', email: 'bob@example.com', password: PASSWORD });
		const setCookie = up.headers.get('set-cookie')!;
		expect(setCookie).toMatch(/^__Host-roster_session=[\w-]{20,}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
		expect(setCookie).not.toMatch(/domain/i);
		const cookie = setCookie.split(';')[0]!;
		expect((await fetch(`${t.base}/api/me`, { headers: { cookie } })).status).toBe(200);
		// Only the __Host- name is read: the same token under the plain name opens nothing.
		expect((await fetch(`${t.base}/api/me`, { headers: { cookie: cookie.replace('__Host-', '') } })).status).toBe(401);
		const client = await t.connect(cookie, { origin: 'https://roster.example' });
		expect(client.welcome().user.username).toBe('bob');
		const out = await post(t.base, '/api/signout', {}, { cookie, origin: 'https://roster.example' });
		expect(out.status).toBe(200);
		expect(out.headers.get('set-cookie')).toBe('__Host-roster_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure');
	});
});

/** Every state-changing route of the API, with a body that would be accepted or at least read. */
const WRITES: [string, string, unknown][] = [
	['POST', '/api/signup', { username: 'mallory', email: 'm@example.com', password: PASSWORD }],
	['POST', '/api/signin', { username: 'alice', password: PASSWORD }],
	['POST', '/api/signout', {}],
	['POST', '/api/me/two-factor/setup', {}],
	['POST', '/api/me/two-factor/enable', { code: '123456' }],
	['POST', '/api/me/two-factor/disable', { code: '123456' }],
	['POST', '/api/me/two-factor/recovery-codes', { code: '123456' }],
	['POST', '/api/me/step-up', { code: '123456' }],
	['PATCH', '/api/me', { displayName: 'Mallory' }],
	['POST', '/api/me/email', { email: 'mallory@example.com' }],
	['POST', '/api/me/resend-verification', {}],
	['POST', '/api/me/password', { current: PASSWORD, next: 'mallory mallory mallory' }],
	['POST', '/api/managed-users', { org: 'acme', username: 'bot', password: PASSWORD }],
	['PATCH', '/api/managed-users', { org: 'acme', userId: 'x' }],
	['POST', '/api/managed-users/password', { org: 'acme', userId: 'x', password: PASSWORD }],
	['DELETE', '/api/managed-users', { org: 'acme', userId: 'x' }],
	['POST', '/api/cards', { org: 'acme', number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123', holder: 'A' }],
	['POST', '/api/invoices/resend', { org: 'acme', invoiceId: 'x' }],
	['POST', '/api/invoices/pay', { org: 'acme', invoiceId: 'x' }],
	['POST', '/api/no-such-route', {}]
];

describe('the Origin of state-changing requests', () => {
	let cookie: string;
	beforeEach(async () => {
		await start({ publicUrl: 'https://roster.example' });
		const up = await post(t.base, '/api/signup', { username: 'alice', email: 'alice@example.com', password: PASSWORD });
		cookie = up.headers.get('set-cookie')!.split(';')[0]!;
	});

	const send = (method: string, path: string, body: unknown, headers: Record<string, string>) =>
		fetch(t.base + path, { method, headers: { 'content-type': 'application/json', cookie, ...headers }, body: JSON.stringify(body) });

	it('refuses a foreign, "null" or cross-site one on every route with 403 BAD_ORIGIN, and nothing changes', async () => {
		for (const [method, path, body] of WRITES) {
			const foreign: Record<string, string>[] = [
				{ origin: 'https://evil.example' },
				{ origin: 'null' },
				{ origin: 'https://roster.example.evil.example' },
				{ 'sec-fetch-site': 'cross-site' }
			];
			for (const headers of foreign) {
				const res = await send(method, path, body, headers);
				expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(403);
				expect(await res.json()).toMatchObject({ code: 'BAD_ORIGIN', message: expect.any(String) });
			}
		}
		// Still signed in, with the same profile; mallory was never created.
		const me = await fetch(`${t.base}/api/me`, { headers: { cookie } });
		expect(me.status).toBe(200);
		expect(await me.json()).toMatchObject({ user: { username: 'alice', displayName: '', email: 'alice@example.com' } });
		expect((await post(t.base, '/api/signin', { username: 'mallory', password: PASSWORD })).status).toBe(401);
	});

	it('accepts the Host it was sent to, the public URL, and no Origin at all (non-browser clients)', async () => {
		const host = `http://127.0.0.1:${t.server.port}`;
		expect((await send('PATCH', '/api/me', { displayName: 'A' }, { origin: host })).status).toBe(200);
		expect((await send('PATCH', '/api/me', { displayName: 'B' }, { origin: 'https://roster.example' })).status).toBe(200);
		expect((await send('PATCH', '/api/me', { displayName: 'C' }, { 'sec-fetch-site': 'same-origin' })).status).toBe(200);
		expect((await send('PATCH', '/api/me', { displayName: 'D' }, {})).status).toBe(200);
		// Reads are not writes: a foreign page may not read the answer anyway (no CORS).
		expect((await fetch(`${t.base}/api/me`, { headers: { cookie, origin: 'https://evil.example' } })).status).toBe(200);
		expect((await send('POST', '/api/signout', {}, { origin: host })).status).toBe(200);
		expect((await fetch(`${t.base}/api/me`, { headers: { cookie } })).status).toBe(401);
	});
});

/** Failed sign-ins with fresh names (so no account limit applies) until the per-address limit answers 429. */
async function exhaustAddressLimit(forwardedFor: string) {
	for (let i = 0; i < 500; i++) {
		const res = await post(
			t.base,
			'/api/signin',
			{ username: `nobody-${randomUUID()}`, password: 'wrong' },
			{ 'x-forwarded-for': forwardedFor }
		);
		if (res.status === 429) return;
		expect(res.status).toBe(401);
	}
	throw new Error('the per-address limit never answered');
}

const signInFrom = (forwardedFor: string) =>
	post(t.base, '/api/signin', { username: `nobody-${randomUUID()}`, password: 'wrong' }, { 'x-forwarded-for': forwardedFor });

describe('the client address of rate limits', () => {
	it('behind a trusted proxy is the right-most X-Forwarded-For entry; what the client wrote to its left is ignored', async () => {
		await start({ trustProxy: 1 });
		await exhaustAddressLimit('198.51.100.1, 203.0.113.7');
		expect((await signInFrom('203.0.113.7')).status).toBe(429);
		expect((await signInFrom('198.51.100.99, 203.0.113.7')).status).toBe(429);
		expect((await signInFrom('203.0.113.8')).status).toBe(401);
		expect((await signInFrom('203.0.113.7, 203.0.113.9')).status).toBe(401);
	}, 60_000);

	it('behind two proxies is the second entry from the right', async () => {
		await start({ trustProxy: 2 });
		await exhaustAddressLimit('203.0.113.7, 10.0.0.1');
		expect((await signInFrom('198.51.100.1, 203.0.113.7, 10.0.0.2')).status).toBe(429);
		expect((await signInFrom('203.0.113.8, 10.0.0.1')).status).toBe(401);
	}, 60_000);

	it('is the /64 of an IPv6 address: a host cannot pose as new clients by picking new addresses in its network', async () => {
		await start({ trustProxy: 1 });
		await exhaustAddressLimit('2001:db8:1:2::1');
		expect((await signInFrom('2001:db8:1:2:ffff:ffff:ffff:ffff')).status).toBe(429);
		expect((await signInFrom('2001:0DB8:0001:0002:0:0:0:7')).status).toBe(429);
		expect((await signInFrom('2001:db8:1:3::1')).status).toBe(401);
	}, 60_000);

	it('without --trust-proxy is the socket address, whatever X-Forwarded-For says', async () => {
		await start();
		await exhaustAddressLimit('203.0.113.7');
		expect((await signInFrom('203.0.113.8')).status).toBe(429);
	}, 60_000);
});
