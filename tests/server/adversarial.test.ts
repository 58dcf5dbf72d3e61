import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeSyncFrame, SYNC_STEP1 } from '$lib/protocol/frames.ts';
import { CLOSE, MAX_FRAME_BYTES, orgDocId } from '$lib/protocol/messages.ts';
import { childServer } from './raw-http.ts';
import { TestClient, TestServer, type OrgView } from './test-client.ts';

const ORG = 'acme';
const DOC = orgDocId(ORG);

let t: TestServer;
let alice: Awaited<ReturnType<TestServer['user']>>;
let bob: Awaited<ReturnType<TestServer['user']>>;
let before: { view: OrgView; rows: number };

/** The server's state as a fresh connection of alice sees it, plus the stored update count. */
async function serverState() {
	const c = await t.connect(alice.cookie);
	const state = { view: c.org(ORG), rows: (await t.server.documents.docUpdates(DOC)).length };
	c.close();
	return state;
}

/** Shows the connection still works: a well-formed mutation gets its verdict. */
async function stillUsable(c: TestClient) {
	expect(await c.mutate({ type: 'member.remove', orgId: ORG, userId: 'nobody' })).toMatchObject({ ok: false });
}

describe('adversarial frames', () => {
	beforeEach(async () => {
		t = await new TestServer().start();
		alice = await t.user('alice');
		bob = await t.user('bob');
		expect(await alice.client.mutate({ type: 'org.create', orgId: ORG, name: 'Acme' })).toMatchObject({ ok: true });
		expect(await alice.client.mutate({ type: 'member.add', orgId: ORG, username: 'bob', role: 'ORG_MEMBER' })).toMatchObject({ ok: true });
		await bob.client.until(() => bob.client.org(ORG).org !== undefined);
		before = await serverState();
	});

	afterEach(async () => {
		try {
			expect(await serverState()).toEqual(before);
		} finally {
			await t.stop();
		}
	});

	it('answers malformed or unknown text frames with INVALID_FRAME and stays usable', async () => {
		for (const text of ['{not json', 'null', '42', '{"t":"hello"}', '{"t":"mutate","id":"short","mutation":{}}']) {
			const since = bob.client.log.length;
			bob.client.send(text);
			expect(await bob.client.waitFor((m) => m.t === 'error', since)).toMatchObject({ code: 'INVALID_FRAME' });
		}
		await stillUsable(bob.client);
	});

	it('refuses an unknown mutation type with UNKNOWN_MUTATION', async () => {
		for (const mutation of [{ type: 'org.delete', orgId: ORG }, { type: '__proto__' }, { orgId: ORG }, null, 'member.add']) {
			expect(await alice.client.mutate(mutation)).toMatchObject({ ok: false, code: 'UNKNOWN_MUTATION' });
		}
	});

	it('refuses a mutation that fails the schema with INVALID_MUTATION', async () => {
		for (const mutation of [
			{ type: 'member.add', orgId: ORG, username: 'bob', role: 'GOD' },
			{ type: 'member.add', orgId: ORG, username: 'No Spaces!', role: 'ORG_OWNER' },
			{ type: 'org.rename', orgId: ORG, name: 'x'.repeat(65) },
			{ type: 'org.rename', orgId: ORG, name: '   ' },
			{ type: 'org.rename', orgId: '../acme', name: 'Acme 2' },
			{ type: 'member.remove', orgId: ORG }
		]) {
			expect(await alice.client.mutate(mutation)).toMatchObject({ ok: false, code: 'INVALID_MUTATION' });
		}
	});

	it('answers unreadable binary frames with INVALID_FRAME', async () => {
		const valid = encodeSyncFrame(DOC, SYNC_STEP1, new Uint8Array([0]));
		for (const bytes of [
			new Uint8Array([]),
			new Uint8Array(16).fill(0xff),
			valid.slice(0, valid.length - 1),
			new Uint8Array([...valid, 7]),
			encodeSyncFrame(DOC, SYNC_STEP1, new Uint8Array([5])) // a state vector that claims 5 entries
		]) {
			const since = bob.client.log.length;
			bob.client.send(bytes);
			expect(await bob.client.waitFor((m) => m.t === 'error', since)).toMatchObject({ code: 'INVALID_FRAME' });
		}
		await stillUsable(bob.client);
	});

	it('closes a socket that sends more than 1 MiB with 1009 and keeps serving others', async () => {
		const big = {
			t: 'mutate',
			id: 'oversized-1',
			mutation: { type: 'org.rename', orgId: ORG, name: 'Too Big' },
			pad: 'x'.repeat(MAX_FRAME_BYTES)
		};
		alice.client.send(big);
		expect((await alice.client.closed).code).toBe(CLOSE.tooLarge.code);
		bob.client.send(new Uint8Array(MAX_FRAME_BYTES + 1));
		expect((await bob.client.closed).code).toBe(CLOSE.tooLarge.code);
		const carol = await t.connect(alice.cookie);
		await stillUsable(carol);
		expect(carol.org(ORG).org!.name).toBe('Acme');
	});

	it('closes a websocket without a valid session with 4401 "Not signed in"', async () => {
		for (const cookie of [undefined, 'roster_session=forged-token', 'other=1']) {
			const c = await t.connect(cookie);
			expect(await c.closed).toEqual({ code: 4401, reason: 'Not signed in' });
			expect(c.log).toEqual([]);
		}
	});

	it('accepts a same-origin websocket and refuses a cross-site one with 4403', async () => {
		const same = await t.connect(bob.cookie, { origin: t.base });
		expect(same.welcome().docs).toEqual([DOC]);
		const cross = await t.connect(bob.cookie, { origin: 'https://evil.example' });
		expect(await cross.closed).toEqual({ code: 4403, reason: CLOSE.badOrigin.reason });
		expect(cross.log).toEqual([]);
	});

	it('refuses a forged actor, or any field a mutation or message does not name, by name; the actor is always the session user', async () => {
		expect(
			await bob.client.mutate({ type: 'member.setRole', orgId: ORG, userId: bob.user.id, role: 'ORG_OWNER', actorId: alice.user.id })
		).toEqual({
			t: 'verdict',
			id: expect.any(String),
			ok: false,
			code: 'INVALID_MUTATION',
			message: 'Unknown field “actorId” in member.setRole.'
		});
		expect(await bob.client.mutate({ type: 'org.create', orgId: 'bobco', name: 'Bob Co', primaryAdminId: alice.user.id })).toMatchObject({
			ok: false,
			code: 'INVALID_MUTATION',
			message: 'Unknown field “primaryAdminId” in org.create.'
		});
		const since = bob.client.log.length;
		bob.client.send({
			t: 'mutate',
			id: 'forged-envelope',
			actor: alice.user.id,
			userId: alice.user.id,
			mutation: { type: 'org.rename', orgId: ORG, name: 'Bob Corp' }
		});
		expect(await bob.client.waitFor((m) => m.t === 'error', since)).toEqual({
			t: 'error',
			code: 'INVALID_FRAME',
			message: 'Unknown fields “actor”, “userId” in a mutate message.'
		});
		// Nothing changed, and an organization Bob creates is his alone.
		expect(await bob.client.mutate({ type: 'org.create', orgId: 'bobco', name: 'Bob Co' })).toMatchObject({ ok: true });
		expect(bob.client.org('bobco').org!.primaryAdminId).toBe(bob.user.id);
		expect(Object.keys(bob.client.org('bobco').members)).toEqual([bob.user.id]);
		await stillUsable(alice.client);
		expect(alice.client.org(ORG).org!.name).toBe('Acme');
		expect(alice.client.org(ORG).members[bob.user.id]!.role).toBe('ORG_MEMBER');
	});

	it('survives a deeply nested mutation body: the batch around it still commits and answers', async () => {
		const deep = '['.repeat(200_000) + ']'.repeat(200_000);
		bob.client.send(`{"t":"mutate","id":"deep-nesting-1","mutation":${deep}}`);
		expect(await bob.client.mutate({ type: 'org.rename', orgId: ORG, name: 'Bob was here' })).toMatchObject({
			ok: false,
			code: 'FORBIDDEN'
		});
		await stillUsable(alice.client);
	});

	it("keeps a non-member's attempts out of the organization's activity feed", async () => {
		const eve = await t.user('eve');
		expect(await eve.client.mutate({ type: 'org.rename', orgId: ORG, name: 'x'.repeat(60) })).toMatchObject({
			ok: false,
			code: 'NOT_A_MEMBER'
		});
		const res = await fetch(`${t.base}/api/activity?org=${ORG}`, { headers: { cookie: alice.cookie } });
		expect(res.status).toBe(200);
		const { entries } = (await res.json()) as { entries: { actor: { username: string }; mutation: unknown }[] };
		expect(entries.map((e) => e.actor.username)).not.toContain('eve');
		expect(JSON.stringify(entries)).not.toContain('xxxxx');
	});

	it("refuses another organization's id with NOT_A_MEMBER, the same as a missing one", async () => {
		const eve = await t.user('eve');
		expect(await eve.client.mutate({ type: 'org.create', orgId: 'evil', name: 'Evil' })).toMatchObject({ ok: true });
		for (const orgId of [ORG, 'no-such-org']) {
			for (const m of [
				{ type: 'member.add', orgId, username: 'eve', role: 'ORG_OWNER' },
				{ type: 'member.remove', orgId, userId: alice.user.id },
				{ type: 'member.setRole', orgId, userId: eve.user.id, role: 'ORG_OWNER' },
				{ type: 'org.transferPrimaryAdmin', orgId, userId: eve.user.id },
				{ type: 'org.rename', orgId, name: 'Evil' }
			]) {
				const v = await eve.client.mutate(m);
				expect(v).toMatchObject({ ok: false, code: 'NOT_A_MEMBER', message: 'You are not a member of this organization.' });
			}
		}
		expect(await eve.client.sync(DOC)).toMatchObject({ text: { t: 'revoked', doc: DOC } });
		expect(eve.client.framesFor(DOC)).toEqual([]);
		// Alice never learns of evil either.
		expect(alice.client.framesFor(orgDocId('evil'))).toEqual([]);
	});
});

describe('adversarial requests that must not take the server down', () => {
	// An unreadable Origin ("null", from sandboxed iframes and file:// pages) once crashed the process; run in a child so a crash fails only this test.
	it('refuses a websocket with "Origin: null" with 4403 and stays up', async () => {
		const child = await childServer();
		try {
			const ws = new WebSocket(`ws://127.0.0.1:${child.port}/sync`, { headers: { origin: 'null' } });
			ws.on('error', () => {});
			const closed = await new Promise<number>((res) => ws.on('close', (code) => res(code)));
			expect(closed).toBe(CLOSE.badOrigin.code);
			expect((await fetch(`http://127.0.0.1:${child.port}/api/me`)).status).toBe(401);
		} finally {
			await child.stop();
		}
	}, 20_000);

	// The static root check must include the path separator, or a sibling directory with the same prefix leaks.
	it('serves no file outside the static directory', async () => {
		const root = mkdtempSync(join(tmpdir(), 'roster-static-'));
		mkdirSync(join(root, 'site'));
		mkdirSync(join(root, 'site-private'));
		writeFileSync(join(root, 'site', 'index.html'), 'INDEX');
		writeFileSync(join(root, 'site-private', 'secret.txt'), 'SECRET');
		const server = await new TestServer({ staticDir: join(root, 'site') }).start();
		try {
			for (const path of ['/..%2fsite-private%2fsecret.txt', '/..%2f..%2fetc%2fpasswd', '/%2e%2e/site-private/secret.txt']) {
				const res = await fetch(`${server.base}${path}`);
				expect(await res.text()).toBe('INDEX');
			}
		} finally {
			await server.stop();
			rmSync(root, { recursive: true, force: true });
		}
	});
});
