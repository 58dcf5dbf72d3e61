import { beforeEach, expect, it } from 'vitest';
import { post } from './test-client.ts';
import { serverForEachTest } from './fixtures.ts';
import { mailCount } from './mail.ts';
import { enrol, totpCode } from './enrol.ts';

const ORG = 'acme';
const ok = { t: 'verdict', ok: true };
let clock = Date.UTC(2026, 8, 10, 12);
beforeEach(() => {
	clock = Date.UTC(2026, 8, 10, 12);
});
const t = serverForEachTest({ now: () => clock });

const send = (method: string, path: string, cookie: string, body: unknown) =>
	fetch(new URL(path, t.base), { method, headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const get = (path: string, cookie: string) => fetch(new URL(path, t.base), { headers: { cookie } });

/**
 * Alice, primary admin of Acme, which requires two-factor; an invoice is open and Acme
 * manages mia. Then alice turns her own two-factor off: she may only view now.
 */
async function heldBack() {
	const alice = await t.user('alice');
	const { secret } = await enrol(t.base, alice.cookie, clock);
	const mutations = [
		{ type: 'org.create', orgId: ORG, name: 'Acme' },
		{ type: 'project.create', orgId: ORG, projectId: 'apollo', name: 'Apollo' },
		{ type: 'deployment.create', orgId: ORG, projectId: 'apollo', deploymentId: 'orders', name: 'orders', plan: 'dedicated' },
		{ type: 'org.setSecurity', orgId: ORG, requireTwoFactor: true, idleTimeoutMinutes: null, absoluteTimeoutHours: null }
	];
	for (const m of mutations) expect(await alice.client.mutate(m)).toMatchObject(ok);
	const mia = await post(
		t.base,
		'/api/managed-users',
		{ org: ORG, username: 'mia', email: 'mia@example.com', password: 'a first password', role: 'ORG_MEMBER' },
		{ cookie: alice.cookie }
	);
	expect(mia.status).toBe(201);
	const { user } = (await mia.json()) as { user: { id: string } };
	clock = Date.UTC(2026, 9, 1, 0, 30);
	await t.server.billing.run();
	expect((await t.server.hub.orgState(ORG))?.billing().invoice('2026-09')).toBeDefined();
	clock += 60_000;
	const off = await post(
		t.base,
		'/api/me/two-factor/disable',
		{ code: totpCode(secret, clock), password: 'correct horse battery' },
		{ cookie: alice.cookie }
	);
	expect(off.status).toBe(200);
	return { alice, miaId: user.id };
}

it('a member without the two-factor its organization requires acts on it over no HTTP route, and still views', async () => {
	const { alice, miaId } = await heldBack();
	const mails = mailCount(t.dataDir);
	const card = { org: ORG, number: '4242 4242 4242 4242', expMonth: 12, expYear: 2099, cvc: '123', holder: 'Alice' };
	const acts: [string, string, unknown][] = [
		['POST', '/api/invoices/resend', { org: ORG, invoiceId: '2026-09', email: 'alice@example.com' }],
		['POST', '/api/invoices/pay', { org: ORG }],
		['POST', '/api/cards', card],
		[
			'POST',
			'/api/managed-users',
			{ org: ORG, username: 'max', email: 'max@example.com', password: 'a first password', role: 'ORG_MEMBER' }
		],
		['PATCH', '/api/managed-users', { userId: miaId, username: 'mia.s' }],
		['POST', '/api/managed-users/password', { userId: miaId, password: 'another password' }],
		['DELETE', '/api/managed-users', { userId: miaId }]
	];
	for (const [method, path, body] of acts) {
		const res = await send(method, path, alice.cookie, body);
		expect({ route: `${method} ${path}`, status: res.status, body: await res.json() }).toMatchObject({
			route: `${method} ${path}`,
			status: 403,
			body: { code: 'TWO_FACTOR_REQUIRED', message: 'Acme requires two-factor authentication: turn it on in your account, then try again.' }
		});
	}
	// Nothing was sent, charged, added or changed.
	expect(mailCount(t.dataDir)).toBe(mails);
	const state = (await t.server.hub.orgState(ORG))!;
	expect(state.billing().invoice('2026-09')?.status).not.toBe('paid');
	expect(state.billing().cards()).toEqual([]);
	expect(await t.server.accounts.userByUsername('max')).toBeUndefined();
	expect(await t.server.accounts.user(miaId)).toMatchObject({ username: 'mia' });

	// Views stay open to her.
	for (const path of [`/api/export?org=${ORG}`, `/api/activity?org=${ORG}`, `/api/mail-log?org=${ORG}`]) {
		expect({ path, status: (await get(path, alice.cookie)).status }).toEqual({ path, status: 200 });
	}
});
