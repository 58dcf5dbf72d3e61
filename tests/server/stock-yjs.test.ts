import { afterEach, describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { encodeSyncFrame, PRESENCE } from '$lib/protocol/frames.ts';
import { CLOSE, orgDocId, projectDocId } from '$lib/protocol/messages.ts';
import { encodeAwarenessUpdate } from '$lib/protocol/awareness.ts';
import { sessionLive } from '../../sync-server/http/sessions.ts';
import { READ_ONLY, UNREADABLE } from '../../sync-server/sync/stock-socket.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';
import { rawRequest, upgradeRequest } from './raw-http.ts';
import { createAccount, createSecret, send } from './service-account-client.ts';
import { Follower } from './stock-follower.ts';
import { WebSocket } from 'ws';
import { view } from './test-client.ts';

const ok = { t: 'verdict', ok: true };
const t = serverForEachTest();
const followers: Follower[] = [];
afterEach(() => {
	for (const f of followers.splice(0)) f.destroy();
});

function follow(docId: string, headers: Record<string, string>) {
	const f = new Follower(t, docId, headers);
	followers.push(f);
	return f;
}

/** acme with bob a member and a project only alice is in; what the server holds of a document, for alice. */
async function acme() {
	const users = await orgWith(t, { members: { bob: 'ORG_MEMBER' }, projects: [{ id: 'apollo' }] });
	return users;
}

async function serverDoc(userId: string, docId = orgDocId('acme')) {
	return (await t.server.hub.readableDoc(userId, docId))!;
}

/** A y-websocket sync message of a kind (0 step 1, 1 step 2, 2 update) holding `payload`. */
function syncMessage(kind: number, payload: Uint8Array) {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, 0);
	encoding.writeVarUint(e, kind);
	encoding.writeVarUint8Array(e, payload);
	return encoding.toUint8Array(e);
}

/** How the server answers a socket it accepts only to refuse: its close code and reason. */
function refusal(path: string, headers: Record<string, string> = {}) {
	return new Promise<{ code: number; reason: string }>((resolve, reject) => {
		const ws = new WebSocket(`ws://localhost:${t.server.port}${path}`, { headers });
		ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
		ws.on('unexpected-response', (_req, res) => reject(new Error(`refused with HTTP ${res.statusCode}`)));
		ws.on('error', reject);
	});
}

async function upgrade(path: string, headers: string[] = []) {
	const answer = await rawRequest(t.server.port, upgradeRequest(path, headers), true);
	return { status: answer.status, body: JSON.parse(answer.body || '{}') as { code?: string; message?: string } };
}

async function serviceAccount(cookie: string, role = 'ORG_READ_ONLY') {
	const userId = await createAccount(t, cookie, { username: 'dash-bot', role });
	const { secret, secretId } = await createSecret(t, cookie, userId);
	return { userId, secret, secretId, headers: { authorization: `Bearer ${secret}` } };
}

describe('GET /yjs/{docId}: a stock y-websocket provider follows a document read-only', () => {
	it('receives the organization document with its session cookie, and converges as mutations change it', async () => {
		const { alice, bob } = await acme();
		const f = follow(orgDocId('acme'), { cookie: bob.cookie });
		await f.synced();
		expect(view(f.doc).members[alice.user.id]).toMatchObject({ username: 'alice', role: 'ORG_OWNER' });
		await t.user('carol');
		expect(await alice.client.mutate({ orgId: 'acme', type: 'member.add', username: 'carol', role: 'ORG_MEMBER' })).toMatchObject(ok);
		expect(await alice.client.mutate({ orgId: 'acme', type: 'team.create', teamId: 'ops', name: 'Ops' })).toMatchObject(ok);
		expect(await alice.client.mutate({ orgId: 'acme', type: 'member.remove', userId: alice.user.id })).toMatchObject({ ok: false });
		const server = await serverDoc(alice.user.id);
		await f.until(() => Y.encodeStateVector(f.doc).toString() === Y.encodeStateVector(server).toString());
		expect(view(f.doc)).toEqual(view(server));
		expect(f.doc.getMap('teams').get('ops')).toMatchObject({ name: 'Ops' });
		expect(f.closes).toEqual([]);
	});

	it('a project document too, by its id as the provider puts it in the path (or percent-encoded)', async () => {
		const { alice } = await acme();
		const f = follow(projectDocId('acme', 'apollo'), { cookie: alice.cookie });
		const encoded = follow(encodeURIComponent(projectDocId('acme', 'apollo')), { cookie: alice.cookie });
		await Promise.all([f.synced(), encoded.synced()]);
		expect(f.doc.getMap('meta').get('project')).toMatchObject({ id: 'apollo' });
		expect(encoded.doc.getMap('meta').get('project')).toMatchObject({ id: 'apollo' });
	});

	it('its writes are refused with a reason and change nothing; it keeps receiving on the same socket', async () => {
		const { alice, bob } = await acme();
		const f = follow(orgDocId('acme'), { cookie: bob.cookie });
		await f.synced();
		const socket = f.provider.ws;
		f.doc.getMap('members').set('mallory', { userId: 'mallory', username: 'mallory', role: 'ORG_OWNER' });
		f.doc.getMap('members').delete(alice.user.id);
		await f.until(() => f.denied.length === 2);
		expect(f.denied).toEqual([READ_ONLY, READ_ONLY]);
		const server = await serverDoc(alice.user.id);
		expect(server.getMap('members').has('mallory')).toBe(false);
		expect(server.getMap('members').has(alice.user.id)).toBe(true);
		// Another reader sees the document as it was.
		const other = follow(orgDocId('acme'), { cookie: alice.cookie });
		await other.synced();
		expect(Object.keys(view(other.doc).members).sort()).toEqual([alice.user.id, bob.user.id].sort());
		// Later changes still arrive, on the same socket.
		expect(await alice.client.mutate({ orgId: 'acme', type: 'team.create', teamId: 'ops', name: 'Ops' })).toMatchObject(ok);
		await f.until(() => f.doc.getMap('teams').has('ops'));
		expect(f.provider.ws).toBe(socket);
		expect(f.closes).toEqual([]);
	});

	it('every step 2 or update is refused unread, unreadable bytes are answered, and nothing changes', async () => {
		const { alice } = await acme();
		const f = follow(orgDocId('acme'), { cookie: alice.cookie });
		await f.synced();
		// Even one holding only what the server has: the server sends no step 1, so no stock provider sends these but for an edit.
		f.sendRaw(syncMessage(1, Y.encodeStateAsUpdate(f.doc)));
		f.sendRaw(syncMessage(2, Y.encodeStateAsUpdate(f.doc)));
		f.sendRaw(new Uint8Array([3]));
		for (const junk of [[0, 9, 0], [7], [0, 2, 5, 1, 2], [], [1, 200]]) f.sendRaw(new Uint8Array(junk));
		f.sendRaw(syncMessage(2, new Uint8Array([0, 1, 255, 255, 255, 255, 15])));
		// Answers come in order: the query for awareness (no one present) got none.
		await f.until(() => f.denied.length === 8);
		expect(f.denied).toEqual([READ_ONLY, READ_ONLY, ...Array(5).fill(UNREADABLE), READ_ONLY]);
		expect(Y.encodeStateAsUpdate(await serverDoc(alice.user.id))).toEqual(Y.encodeStateAsUpdate(f.doc));
		expect(await alice.client.mutate({ orgId: 'acme', type: 'team.create', teamId: 'ops', name: 'Ops' })).toMatchObject(ok);
		await f.until(() => f.doc.getMap('teams').has('ops'));
		expect(f.closes).toEqual([]);
	});

	it('a sync step 1 asked again (a resync) is answered with what it lacks', async () => {
		const { alice } = await acme();
		const f = follow(orgDocId('acme'), { cookie: alice.cookie });
		await f.synced();
		const before = f.doc.getMap('members').size;
		const e = encoding.createEncoder();
		encoding.writeVarUint(e, 0);
		syncProtocol.writeSyncStep1(e, new Y.Doc());
		f.sendRaw(encoding.toUint8Array(e));
		f.provider.synced = false;
		await f.synced();
		expect(f.doc.getMap('members').size).toBe(before);
	});

	it('a member removed from the organization is closed with 4410 and not reconnected', async () => {
		const { alice, bob } = await acme();
		const f = follow(orgDocId('acme'), { cookie: bob.cookie });
		await f.synced();
		expect(await alice.client.mutate({ orgId: 'acme', type: 'member.remove', userId: bob.user.id })).toMatchObject(ok);
		await f.until(() => f.closes.length > 0);
		expect(f.closes).toEqual([CLOSE.accessEnded]);
		expect(f.provider.shouldConnect).toBe(false);
	});

	it('a session that signs out is closed with 4401', async () => {
		const { bob } = await acme();
		const f = follow(orgDocId('acme'), { cookie: bob.cookie });
		await f.synced();
		expect((await send(t, 'POST', '/api/signout', bob.cookie)).status).toBeLessThan(300);
		await f.until(() => f.closes.length > 0);
		expect(f.closes).toEqual([CLOSE.unauthenticated]);
	});
});

describe('GET /yjs/{docId} with a service account secret', () => {
	it('follows what the account may read; a revoked secret closes the socket at once with 4401', async () => {
		const { alice } = await acme();
		const bot = await serviceAccount(alice.cookie);
		const f = follow(orgDocId('acme'), bot.headers);
		await f.synced();
		expect(view(f.doc).members[bot.userId]).toMatchObject({ username: 'dash-bot', service: true });
		expect(await alice.client.mutate({ orgId: 'acme', type: 'team.create', teamId: 'ops', name: 'Ops' })).toMatchObject(ok);
		await f.until(() => f.doc.getMap('teams').has('ops'));
		expect(
			await alice.client.mutate({ type: 'serviceAccount.revokeSecret', orgId: 'acme', userId: bot.userId, secretId: bot.secretId })
		).toMatchObject(ok);
		// Nothing sent by the follower meanwhile: the revoking commit itself closes it.
		await f.until(() => f.closes.length > 0);
		expect(f.closes).toEqual([CLOSE.secretEnded]);
		expect((await refusal('/yjs/org:acme', bot.headers)).code).toBe(4401);
	});

	it('a secret that no longer opens closes the socket at its next frame', async () => {
		const { alice } = await acme();
		const bot = await serviceAccount(alice.cookie);
		const f = follow(orgDocId('acme'), bot.headers);
		await f.synced();
		// As the store holds it after a revocation on another server whose commit this one has not heard of yet.
		await t.server.accounts.deleteServiceSecret(bot.secretId);
		f.sendRaw(new Uint8Array([3]));
		await f.until(() => f.closes.length > 0);
		expect(f.closes).toEqual([CLOSE.secretEnded]);
	});

	it('the minute sweep of sessions leaves its socket open; deleting the account closes it', async () => {
		const { alice } = await acme();
		const bot = await serviceAccount(alice.cookie);
		const f = follow(orgDocId('acme'), bot.headers);
		await f.synced();
		await t.server.hub.sweepSessions(async (hash) => (await sessionLive(t.server.accounts, Date.now(), hash)) !== undefined);
		expect(await alice.client.mutate({ orgId: 'acme', type: 'team.create', teamId: 'ops', name: 'Ops' })).toMatchObject(ok);
		await f.until(() => f.doc.getMap('teams').has('ops'));
		expect(f.closes).toEqual([]);
		expect((await send(t, 'DELETE', '/api/service-accounts', alice.cookie, { org: 'acme', userId: bot.userId })).status).toBe(200);
		await f.until(() => f.closes.length > 0);
		// Its membership goes with it: the commit takes the document back before anything else is checked.
		expect(f.closes).toEqual([CLOSE.accessEnded]);
	});

	it('sees who is present on its document, as the server names them, and sees them leave', async () => {
		const { alice, bob } = await acme();
		// Presence is taken on a document the socket holds: the organization's creator is sent it once its commit is published.
		await alice.client.until(() => alice.client.docs.has(orgDocId('acme')));
		alice.client.send(
			encodeSyncFrame(orgDocId('acme'), PRESENCE, encodeAwarenessUpdate([{ clientId: 7, clock: 1, state: { view: 'members' } }]))
		);
		const f = follow(orgDocId('acme'), { cookie: bob.cookie });
		await f.until(() => f.present().length === 1);
		expect(f.present()).toEqual([
			{
				view: 'members',
				user: { id: alice.user.id, name: expect.any(String) as unknown, username: 'alice' },
				since: expect.any(Number) as unknown
			}
		]);
		alice.client.send(encodeSyncFrame(orgDocId('acme'), PRESENCE, encodeAwarenessUpdate([{ clientId: 7, clock: 2, state: null }])));
		await f.until(() => f.present().length === 0);
	});

	it('a document the account may not read is refused as one that does not exist', async () => {
		const { alice } = await acme();
		const bot = await serviceAccount(alice.cookie, 'ORG_MEMBER');
		const project = await refusal('/yjs/project:acme/apollo', bot.headers);
		const missing = await refusal('/yjs/project:acme/nowhere', bot.headers);
		expect(project).toEqual({ code: 4404, reason: expect.stringMatching(/^\S.{10,}$/) as unknown });
		expect(missing).toEqual(project);
	});
});

describe('GET /yjs/{docId} refusals: accepted, then closed with a 44xx code a stock provider does not retry', () => {
	it('no credentials, a wrong secret, a foreign Origin: 4401, 4401, 4403', async () => {
		const { alice } = await acme();
		const signIn = await refusal('/yjs/org:acme');
		expect(signIn.code).toBe(4401);
		expect(signIn.reason).toMatch(/Sign in/);
		expect(await refusal('/yjs/org:acme', { cookie: 'roster_session=nope' })).toEqual(signIn);
		expect(await refusal('/yjs/org:acme', { authorization: 'Bearer roster_sa_nope' })).toMatchObject({
			code: 4401,
			reason: expect.stringMatching(/secret is invalid or expired/) as unknown
		});
		expect(await refusal('/yjs/org:acme', { cookie: alice.cookie, origin: 'https://evil.example' })).toMatchObject({
			code: 4403,
			reason: expect.stringMatching(/another site/) as unknown
		});
	});

	it('a non-member, a missing organization, a project not theirs, a malformed id: the same 4404', async () => {
		const { bob } = await acme();
		const { cookie: eve } = await t.user('eve');
		const answers = [
			await refusal('/yjs/org:acme', { cookie: eve }),
			await refusal('/yjs/org:nowhere', { cookie: bob.cookie }),
			await refusal('/yjs/project:acme/apollo', { cookie: bob.cookie }),
			await refusal('/yjs/billing:acme', { cookie: bob.cookie }),
			await refusal('/yjs/nonsense', { cookie: bob.cookie }),
			await refusal('/yjs/%E0%A4%A', { cookie: bob.cookie })
		];
		for (const a of answers) expect(a).toEqual(answers[0]);
		expect(answers[0]).toMatchObject({ code: 4404 });
	});

	it('any other path names both websocket endpoints', async () => {
		const answer = await upgrade('/elsewhere');
		expect(answer).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
		expect(answer.body.message).toMatch(/\/sync.*\/yjs\//);
	});
});
