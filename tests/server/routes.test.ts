import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../sync-server/http/routes.ts';
import { TestServer, signUp } from './test-client.ts';

const t = new TestServer();
beforeAll(() => t.start());
afterAll(() => t.stop());

/** A request as the app would send it, without a session; a write carries a JSON body. */
function send(method: string, path: string, headers: Record<string, string> = {}) {
	const body = method === 'GET' ? undefined : '{}';
	return fetch(new URL(path, t.base), { method, headers: { 'content-type': 'application/json', ...headers }, body });
}

describe('the route table', () => {
	it('names each route once', () => {
		const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
		expect(new Set(keys).size).toBe(keys.length);
	});

	it('every route that needs a session refuses without one (401, before reading the query or body)', async () => {
		const needing = ROUTES.filter((r) => r.session);
		expect(needing.length).toBeGreaterThan(15);
		for (const r of needing) {
			// A path parameter is given a value of its shape.
			const path = r.path.replace(/\{\w+\}/g, 'x');
			const res = await send(r.method, path);
			expect(res.status, `${r.method} ${r.path}`).toBe(401);
			expect(await res.json()).toEqual({ code: 'UNAUTHENTICATED', message: 'You are not signed in.' });
			// An ended or forged session is no session either.
			expect((await send(r.method, path, { cookie: 'roster_session=forged' })).status, `${r.method} ${r.path}`).toBe(401);
		}
	});

	it('routes without a session answer a stranger (sign-up refuses its body, not its caller)', async () => {
		for (const r of ROUTES.filter((r) => !r.session)) {
			const res = await fetch(new URL(r.path, t.base), {
				method: r.method,
				headers: { 'content-type': 'application/json' },
				body: r.method === 'GET' ? undefined : '{}',
				redirect: 'manual'
			});
			expect(res.status, `${r.method} ${r.path}`).not.toBe(401);
		}
	});

	it('every route about an organization answers a signed-in stranger 403 FORBIDDEN, as the domain words it, and charges nothing', async () => {
		const alice = await t.user('alice');
		expect(await alice.client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject({ ok: true });
		const { cookie } = await signUp(t.base, 'eve');
		// What each route takes besides `org`, so that its input is valid and the organization's answer is what is seen.
		const input: Record<string, Record<string, string>> = {
			'/api/activity': {},
			'/api/export': { format: 'csv' },
			'/api/invoices/resend': { invoiceId: 'inv-1', email: 'alice@example.com' },
			'/api/invoices/pay': {},
			'/api/webhook-delivery': {},
			'/api/orgs/{org}/history': { at: String(Date.now() - 1000) },
			'/api/orgs/{org}/history/diff': { from: String(Date.now() - 2000), to: String(Date.now() - 1000) }
		};
		const about = ROUTES.filter((r) => r.org);
		expect(about.map((r) => r.path).sort()).toEqual(Object.keys(input).sort());
		for (const r of about) {
			const fields = { org: 'acme', ...input[r.path] };
			// An organization named in the path is named there; the others take it with the input.
			const path = r.path.replace('{org}', 'acme');
			const res =
				r.method === 'GET'
					? await fetch(new URL(`${path}?${new URLSearchParams(fields)}`, t.base), { headers: { cookie } })
					: await fetch(new URL(path, t.base), {
							method: r.method,
							headers: { cookie, 'content-type': 'application/json' },
							body: JSON.stringify(fields)
						});
			expect(res.status, r.path).toBe(403);
			expect(await res.json()).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/^Only /) });
		}
		expect(t.server.payments).toMatchObject({ charges: [] });
	});

	it('an unknown path or a known path with another method is 404 NOT_FOUND, naming what was asked', async () => {
		for (const [method, path] of [
			['GET', '/api/nope'],
			['POST', '/api/nope'],
			['GET', '/api/signup'],
			['DELETE', '/api/me'],
			['PUT', '/api/invoices/pay'],
			['GET', '/api/mail-log/'],
			['GET', '/api/outbox']
		] as const) {
			const res = await send(method, path);
			expect(res.status, `${method} ${path}`).toBe(404);
			expect(await res.json()).toEqual({ code: 'NOT_FOUND', message: `No API at ${method} ${path}.` });
		}
	});

	it('a write from another site is refused before the route is looked up', async () => {
		const res = await send('POST', '/api/nope', { origin: 'https://evil.example' });
		expect(res.status).toBe(403);
		expect(await res.json()).toMatchObject({ code: 'BAD_ORIGIN' });
	});
});
