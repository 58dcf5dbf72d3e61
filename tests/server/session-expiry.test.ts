import { beforeEach, expect, it } from 'vitest';
import { billingDocId, orgDocId } from '$lib/protocol/messages.ts';
import { PASSWORD, cookieOf, post, type TestClient } from './test-client.ts';
import { serverForEachTest } from './fixtures.ts';

const ok = { t: 'verdict', ok: true };
const EXPIRED = { ok: false, code: 'SESSION_EXPIRED', message: 'Your session for Beta timed out: sign in again to reach it.' };
const MINUTE = 60_000;

let now: number;
beforeEach(() => {
	now = Date.UTC(2026, 10, 23, 12, 0, 0);
});
const t = serverForEachTest({ now: () => now });

const me = (cookie: string) => fetch(new URL('/api/me', t.base), { headers: { cookie } });
/** A new session (its own sign-in), connected. */
const signedIn = async (username: string) => t.connect(cookieOf(await post(t.base, '/api/signin', { username, password: PASSWORD })));
const team = (client: TestClient, orgId: string) =>
	client.mutate({ type: 'team.create', orgId, teamId: crypto.randomUUID(), name: crypto.randomUUID() });

/** ann runs Acme (no timeouts); bob runs Beta with these timeouts and adds ann as an owner. */
async function setUp(idleTimeoutMinutes: number | null, absoluteTimeoutHours: number | null) {
	const ann = await t.user('ann');
	const bob = await t.user('bob');
	expect(await ann.client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject(ok);
	expect(await bob.client.mutate({ type: 'org.create', orgId: 'beta', name: 'Beta' })).toMatchObject(ok);
	const security = { type: 'org.setSecurity', orgId: 'beta', requireTwoFactor: false, idleTimeoutMinutes, absoluteTimeoutHours };
	expect(await bob.client.mutate(security)).toMatchObject(ok);
	expect(await bob.client.mutate({ type: 'member.add', orgId: 'beta', username: 'ann', role: 'ORG_OWNER' })).toMatchObject(ok);
	await ann.client.until(() => ann.client.org('beta').org !== undefined);
	return { ann, bob, security };
}

it('closes an open socket with 4401 once its session is past its maximum age', async () => {
	const { client } = await t.user('alice');
	expect(await client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject({ ok: true });

	now += 31 * 24 * 3600 * 1000;
	client.send({ t: 'mutate', id: 'after-expiry-1', mutation: { type: 'org.rename', orgId: 'acme', name: 'Late' } });
	expect(await client.closed).toEqual({ code: 4401, reason: 'Not signed in' });
	expect(await t.server.documents.mutation(client.welcome().user.id, 'after-expiry-1')).toBeUndefined();
});

it('idle in one organization loses that organization only, for good, until the user signs in again', async () => {
	const { ann, bob, security } = await setUp(15, null);
	// Idle counts from the session's last action on Beta, not from joining it.
	for (let i = 0; i < 3; i++) {
		now += 10 * MINUTE;
		expect(await team(ann.client, 'beta')).toMatchObject(ok);
	}
	// Busy in Acme only: Beta's idle time runs on.
	for (let i = 0; i < 2; i++) {
		now += 8 * MINUTE;
		expect(await team(ann.client, 'acme')).toMatchObject(ok);
	}
	const since = ann.client.log.length;
	expect(await team(ann.client, 'beta')).toMatchObject(EXPIRED);
	for (const doc of [orgDocId('beta'), billingDocId('beta')]) {
		expect(await ann.client.waitFor((m) => m.t === 'revoked' && m.doc === doc, since)).toMatchObject({
			reason: EXPIRED.message,
			code: 'SESSION_EXPIRED'
		});
	}
	expect(await team(ann.client, 'acme')).toMatchObject(ok);
	expect((await me(ann.cookie)).status).toBe(200);

	// Neither activity, a looser setting nor a restart brings it back for this session (bob's own timed out too).
	expect(await bob.client.mutate({ ...security, idleTimeoutMinutes: null })).toMatchObject({ code: 'SESSION_EXPIRED' });
	expect(await (await signedIn('bob')).mutate({ ...security, idleTimeoutMinutes: null })).toMatchObject(ok);
	expect(await team(ann.client, 'beta')).toMatchObject(EXPIRED);
	await t.restart();
	const again = await t.connect(ann.cookie);
	expect(await again.sync(orgDocId('beta'))).toMatchObject({ text: { t: 'revoked', reason: EXPIRED.message } });
	expect(await again.sync(orgDocId('acme'))).toMatchObject({ binary: { doc: orgDocId('acme') } });
	expect((await fetch(new URL('/api/activity?org=beta', t.base), { headers: { cookie: ann.cookie } })).status).toBe(403);

	// A new session reaches Beta again.
	expect(await team(await signedIn('ann'), 'beta')).toMatchObject(ok);
	// What is kept goes with the session; a session ended meanwhile gets no row.
	await t.server.accounts.touchSessionOrg('no-such-session', 'beta', now);
	await t.server.accounts.expireSessionOrg('no-such-session', 'beta', now);
	expect(await t.server.accounts.sessionOrg('no-such-session', 'beta')).toBeUndefined();
});

it("an organization's absolute timeout ends that organization's access only, however active the session", async () => {
	const { ann } = await setUp(null, 1);
	for (let i = 0; i < 3; i++) {
		now += 20 * MINUTE;
		expect(await team(ann.client, 'beta')).toMatchObject(ok);
	}
	now += 2 * MINUTE;
	expect(await team(ann.client, 'beta')).toMatchObject(EXPIRED);
	expect(await team(ann.client, 'acme')).toMatchObject(ok);
	const res = await fetch(new URL('/api/export?org=beta', t.base), { headers: { cookie: ann.cookie } });
	expect({ status: res.status, body: await res.json() }).toEqual({ status: 403, body: { code: EXPIRED.code, message: EXPIRED.message } });
	expect((await fetch(new URL('/api/export?org=acme', t.base), { headers: { cookie: ann.cookie } })).status).toBe(200);
});

it("the periodic sweep takes back a timed-out organization's documents from a socket that only listens, and leaves the rest", async () => {
	const { ann } = await setUp(15, null);
	now += 16 * MINUTE;
	const since = ann.client.log.length;
	await t.server.hub.sweepSessions(async (hash) => (await t.server.accounts.session(hash)) !== undefined);
	for (const doc of [orgDocId('beta'), billingDocId('beta')]) {
		expect(await ann.client.waitFor((m) => m.t === 'revoked' && m.doc === doc, since)).toMatchObject({
			reason: EXPIRED.message,
			code: 'SESSION_EXPIRED'
		});
	}
	// Beta's changes no longer reach it; Acme's still do.
	expect(await (await signedIn('bob')).mutate({ type: 'org.rename', orgId: 'beta', name: 'Beta 2' })).toMatchObject(ok);
	expect(await ann.client.mutate({ type: 'org.rename', orgId: 'acme', name: 'Acme 2' })).toMatchObject(ok);
	await ann.client.until(() => ann.client.org('acme').org?.name === 'Acme 2');
	expect(ann.client.framesFor(orgDocId('beta'), since)).toEqual([]);
});

it("a timed-out organization's changes reach no socket of the session, even before the sweep or any action of its own", async () => {
	const { ann } = await setUp(15, null);
	now += 16 * MINUTE;
	const since = ann.client.log.length;
	// Neither the sweep nor an action of ann's has run: the broadcast itself holds the line.
	expect(await team(await signedIn('bob'), 'beta')).toMatchObject(ok);
	for (const doc of [orgDocId('beta'), billingDocId('beta')]) {
		expect(await ann.client.waitFor((m) => m.t === 'revoked' && m.doc === doc, since)).toMatchObject({
			reason: EXPIRED.message,
			code: 'SESSION_EXPIRED'
		});
	}
	expect(await ann.client.mutate({ type: 'org.rename', orgId: 'acme', name: 'Acme 2' })).toMatchObject(ok);
	await ann.client.until(() => ann.client.org('acme').org?.name === 'Acme 2');
	expect(ann.client.framesFor(orgDocId('beta'), since)).toEqual([]);
});
