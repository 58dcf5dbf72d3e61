import { describe, expect, it } from 'vitest';
import { decodeSyncFrame, encodeSyncFrame, PRESENCE } from '$lib/protocol/frames.ts';
import { orgDocId, projectDocId } from '$lib/protocol/messages.ts';
import { decodeAwarenessUpdate, encodeAwarenessUpdate, type AwarenessEntry } from '$lib/protocol/awareness.ts';
import { signUp, TestServer, type TestClient } from './test-client.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';
import { freshStore, testStore } from './test-store.ts';

const ORG = 'acme';
const DOC = orgDocId(ORG);
const APOLLO = projectDocId(ORG, 'apollo');
const ok = { t: 'verdict', ok: true };

const t = serverForEachTest();

/** What a client was sent of others' presence: every entry in order, and the latest per document and client id (null: gone). */
class Seen {
	readonly entries: (AwarenessEntry & { doc: string })[] = [];
	private readonly listeners = new Set<() => void>();
	constructor(readonly client: TestClient) {
		client.ws.on('message', (data, isBinary) => {
			if (!isBinary) return;
			const frame = decodeSyncFrame(new Uint8Array(data as Buffer));
			if (frame.kind !== PRESENCE) return;
			for (const e of decodeAwarenessUpdate(frame.payload)) this.entries.push({ ...e, doc: frame.doc });
			for (const l of this.listeners) l();
		});
	}
	/** Who is present on a document, as y-protocols' Awareness would hold it: the latest state of each client id. */
	present(doc = DOC): Map<number, unknown> {
		const latest = new Map<number, unknown>();
		for (const e of this.entries) if (e.doc === doc) latest.set(e.clientId, e.state);
		for (const [id, state] of latest) if (state === null) latest.delete(id);
		return latest;
	}
	/** Resolves once a client id's latest state on a document matches. */
	until(clientId: number, check: (state: unknown) => boolean, doc = DOC): Promise<void> {
		return new Promise((resolve, reject) => {
			const listener = () => {
				if (!check(this.present(doc).get(clientId) ?? null)) return;
				this.listeners.delete(listener);
				resolve();
			};
			this.listeners.add(listener);
			listener();
			void this.client.closed.then(({ code }) => reject(new Error(`socket closed (${code}) while waiting`)));
		});
	}
}

/** Sends one awareness update for a document, as a y-websocket client would. */
function state(client: TestClient, clientId: number, clock: number, s: unknown, doc = DOC, more: AwarenessEntry[] = []) {
	client.send(encodeSyncFrame(doc, PRESENCE, encodeAwarenessUpdate([{ clientId, clock, state: s }, ...more])));
}

async function refused(client: TestClient, send: () => void) {
	const since = client.log.length;
	send();
	return client.waitFor((m) => m.t === 'error', since);
}

describe('presence over real websockets', () => {
	it('members present on the organization see each other, named by the server', async () => {
		const { alice, bob, carol } = await orgWith(t, { members: { bob: 'ORG_OWNER', carol: 'ORG_MEMBER' } });
		const [a, b, c] = [alice, bob, carol].map((u) => new Seen(u.client));
		state(alice.client, 11, 1, { view: 'members' });
		state(bob.client, 22, 1, { view: 'members', editing: { what: 'memberRole', id: carol.user.id } });
		await b!.until(11, (s) => s !== null);
		await c!.until(22, (s) => s !== null);
		await a!.until(22, (s) => s !== null);
		expect(b!.present().get(11)).toEqual({
			view: 'members',
			user: { id: alice.user.id, name: 'alice', username: 'alice' },
			since: expect.any(Number)
		});
		expect(a!.present().get(22)).toMatchObject({ editing: { what: 'memberRole', id: carol.user.id }, user: { id: bob.user.id } });
		// Nobody is sent their own presence.
		expect(a!.present().has(11)).toBe(false);
		expect(b!.present().has(22)).toBe(false);
		// A member that syncs the document is sent everyone present on it.
		await carol.client.sync(DOC);
		await c!.until(11, (s) => s !== null);
		expect([...c!.present().keys()].sort()).toEqual([11, 22]);
		// And so is a stock client's first query, through the hub.
		const all = decodeAwarenessUpdate(t.server.hub.presenceOf(DOC)!);
		expect(all.map((e) => e.clientId).sort()).toEqual([11, 22]);
		// Stating null leaves.
		state(bob.client, 22, 2, null);
		await a!.until(22, (s) => s === null);
		await c!.until(22, (s) => s === null);
	});

	it('refuses a state that claims more than its own page and row, and changes nothing', async () => {
		const { alice, bob } = await orgWith(t, { members: { bob: 'ORG_OWNER' } });
		const a = new Seen(alice.client);
		state(alice.client, 11, 1, { view: 'teams' });
		state(bob.client, 22, 1, { view: 'members' });
		await a.until(22, (s) => s !== null);
		const before = a.entries.length;
		const attempts: [string, () => void][] = [
			['spoofed user', () => state(bob.client, 22, 2, { view: 'members', user: { id: alice.user.id, name: 'alice', username: 'alice' } })],
			['since', () => state(bob.client, 22, 2, { view: 'members', since: 0 })],
			['extra field', () => state(bob.client, 22, 2, { view: 'members', note: 'Hello from your admin' })],
			['view not in the list', () => state(bob.client, 22, 2, { view: 'phishing' })],
			['editing kind not in the list', () => state(bob.client, 22, 2, { view: 'members', editing: { what: 'password', id: 'x' } })],
			['another client id', () => state(bob.client, 23, 1, { view: 'members' })],
			["another connection's client id", () => state(bob.client, 11, 9, { view: 'members' })],
			['several entries', () => state(bob.client, 22, 2, { view: 'members' }, DOC, [{ clientId: 11, clock: 9, state: null }])],
			['a document not synced', () => state(bob.client, 22, 2, { view: 'members' }, orgDocId('other'))],
			['a clock too large to count on', () => state(bob.client, 22, 2 ** 53 + 2, { view: 'members' })],
			['unreadable', () => bob.client.send(encodeSyncFrame(DOC, PRESENCE, new Uint8Array([5, 1])))]
		];
		for (const [what, send] of attempts) {
			expect(await refused(bob.client, send), what).toMatchObject({ t: 'error', code: 'PRESENCE_REFUSED' });
		}
		// The next real update is the first thing alice hears of bob since: nothing refused went through.
		state(bob.client, 22, 3, { view: 'settings' });
		await a.until(22, (s) => (s as { view?: string } | null)?.view === 'settings');
		expect(a.entries.slice(before)).toEqual([
			expect.objectContaining({ clientId: 22, state: expect.objectContaining({ view: 'settings' }) })
		]);
		expect(a.present().get(22)).toMatchObject({ user: { id: bob.user.id, username: 'bob' } });
		// A stale clock is ignored, as y-protocols does.
		state(bob.client, 22, 2, { view: 'billing' });
		expect(await bob.client.mutate({ type: 'org.rename', orgId: ORG, name: 'Acme 2' })).toMatchObject(ok);
		await alice.client.until(() => alice.client.org(ORG).org?.name === 'Acme 2');
		expect(a.present().get(22)).toMatchObject({ view: 'settings' });
	});

	it('a removed member disappears from presence at once and is sent no one’s afterwards', async () => {
		const { alice, bob, carol } = await orgWith(t, { members: { bob: 'ORG_OWNER', carol: 'ORG_MEMBER' } });
		const [a, b, c] = [alice, bob, carol].map((u) => new Seen(u.client));
		state(bob.client, 22, 1, { view: 'members' });
		state(carol.client, 33, 1, { view: 'members' });
		await a!.until(22, (s) => s !== null);
		await a!.until(33, (s) => s !== null);
		await b!.until(33, (s) => s !== null);
		expect(await alice.client.mutate({ type: 'member.remove', orgId: ORG, userId: bob.user.id })).toMatchObject(ok);
		await a!.until(22, (s) => s === null);
		await c!.until(22, (s) => s === null);
		await bob.client.waitFor((m) => m.t === 'revoked' && m.doc === DOC);
		const bobHeard = b!.entries.length;
		// Alice moves; carol hears it; bob, whose frames would come before his next verdict, hears nothing.
		state(alice.client, 11, 1, { view: 'members', editing: { what: 'memberRole', id: carol.user.id } });
		await c!.until(11, (s) => s !== null);
		expect(await bob.client.mutate({ type: 'org.rename', orgId: ORG, name: 'Mine' })).toMatchObject({ ok: false, code: 'NOT_A_MEMBER' });
		expect(b!.entries.length).toBe(bobHeard);
		// And bob may no longer state any.
		expect(await refused(bob.client, () => state(bob.client, 22, 2, { view: 'members' }))).toMatchObject({ code: 'PRESENCE_REFUSED' });
		expect(a!.present().has(22)).toBe(false);
	});

	it('a project’s presence goes only to those who may read the project, and leaves with the access', async () => {
		const { alice, bob, carol } = await orgWith(t, {
			members: { bob: 'ORG_MEMBER', carol: 'ORG_MEMBER' },
			projects: [{ id: 'apollo', users: { bob: ['PROJECT_READ_ONLY'] } }]
		});
		await bob.client.until(() => bob.client.docs.has(APOLLO));
		const [a, b, c] = [alice, bob, carol].map((u) => new Seen(u.client));
		state(carol.client, 33, 1, { view: 'members' });
		state(alice.client, 11, 1, { view: 'project', editing: { what: 'projectRoles', id: bob.user.id } }, APOLLO);
		state(bob.client, 22, 1, { view: 'project' }, APOLLO);
		await b!.until(11, (s) => s !== null, APOLLO);
		await a!.until(22, (s) => s !== null, APOLLO);
		await a!.until(33, (s) => s !== null);
		// Carol follows the organization, not the project: she is sent nothing of it and may not state presence there.
		expect(await refused(carol.client, () => state(carol.client, 34, 1, { view: 'project' }, APOLLO))).toMatchObject({
			code: 'PRESENCE_REFUSED'
		});
		expect(await carol.client.mutate({ type: 'org.rename', orgId: ORG, name: 'Acme 2' })).toMatchObject({ ok: false });
		expect(c!.entries.filter((e) => e.doc === APOLLO)).toEqual([]);
		// Bob loses the project: alice sees him leave it, and he is sent nothing more of it.
		expect(await alice.client.mutate({ type: 'project.removeUser', orgId: ORG, projectId: 'apollo', userId: bob.user.id })).toMatchObject(
			ok
		);
		await a!.until(22, (s) => s === null, APOLLO);
		await bob.client.waitFor((m) => m.t === 'revoked' && m.doc === APOLLO);
		const bobHeard = b!.entries.filter((e) => e.doc === APOLLO).length;
		state(alice.client, 11, 2, { view: 'project' }, APOLLO);
		state(alice.client, 12, 1, { view: 'members' });
		await b!.until(12, (s) => s !== null);
		expect(b!.entries.filter((e) => e.doc === APOLLO)).toHaveLength(bobHeard);
	});

	it('a dropped connection leaves no ghost', async () => {
		const { alice, bob } = await orgWith(t, { members: { bob: 'ORG_OWNER' } });
		const a = new Seen(alice.client);
		state(bob.client, 22, 1, { view: 'members' });
		await a.until(22, (s) => s !== null);
		bob.client.ws.terminate();
		await a.until(22, (s) => s === null);
		expect(t.server.hub.presenceOf(DOC)).toBeUndefined();
	});

	it('coalesces a flood: peers get the latest state, not every frame, and the server stays up', async () => {
		const { alice, bob, carol } = await orgWith(t, { members: { bob: 'ORG_OWNER', carol: 'ORG_MEMBER' } });
		const a = new Seen(alice.client);
		const sent = 300;
		for (let clock = 1; clock <= sent; clock++) {
			state(bob.client, 22, clock, { view: 'members', editing: clock % 2 ? { what: 'memberRole', id: carol.user.id } : null });
		}
		state(bob.client, 22, sent + 1, { view: 'teams', editing: { what: 'teamName', id: 'last' } });
		await a.until(22, (s) => (s as { editing?: { id: string } } | null)?.editing?.id === 'last');
		const relayed = a.entries.filter((e) => e.clientId === 22);
		expect(relayed.length).toBeLessThan(sent / 10);
		expect(relayed.at(-1)).toMatchObject({ clock: sent + 1 });
		expect(await bob.client.mutate({ type: 'org.rename', orgId: ORG, name: 'Still here' })).toMatchObject(ok);
	});

	it('a read-only member may be present and sees the others', async () => {
		const { alice, rita } = await orgWith(t, { members: { rita: 'ORG_READ_ONLY' } });
		const [a, r] = [alice, rita].map((u) => new Seen(u.client));
		state(alice.client, 11, 1, { view: 'billing' });
		state(rita.client, 44, 1, { view: 'activity' });
		await r!.until(11, (s) => s !== null);
		await a!.until(44, (s) => s !== null);
		expect(a!.present().get(44)).toMatchObject({ view: 'activity', user: { username: 'rita' } });
	});
});

describe.runIf(testStore() === 'postgres')('presence across servers sharing a store', () => {
	it('each server relays the others’ presence to its own subscribers, and a dropped connection leaves no ghost on either', async () => {
		const store = await freshStore();
		const [one, two] = [new TestServer({}, store), new TestServer({}, store)];
		try {
			await Promise.all([one.start(), two.start()]);
			await Promise.all([one, two].map((s) => (s.server.documents as unknown as { watching(): Promise<void> }).watching()));
			const { alice } = await orgWith(one, { members: {} });
			const [bob, carol] = [await signUp(one.base, 'bob'), await signUp(one.base, 'carol')];
			for (const username of ['bob', 'carol']) {
				expect(await alice.client.mutate({ type: 'member.add', orgId: ORG, username, role: 'ORG_OWNER' })).toMatchObject(ok);
			}
			const bobOnTwo = await two.connect(bob.cookie);
			const [a, b] = [new Seen(alice.client), new Seen(bobOnTwo)];
			state(alice.client, 11, 1, { view: 'members' });
			await b.until(11, (s) => s !== null);
			expect(b.present().get(11)).toMatchObject({ user: { id: alice.user.id, username: 'alice' } });
			state(bobOnTwo, 22, 1, { view: 'teams' });
			await a.until(22, (s) => s !== null);
			// A client id present through the other server cannot be taken here.
			expect(await refused(bobOnTwo, () => state(bobOnTwo, 11, 5, { view: 'teams' }))).toMatchObject({ code: 'PRESENCE_REFUSED' });
			// A connection subscribing on the second server is sent everyone present, whichever server they are on.
			const carolOnTwo = await two.connect(carol.cookie);
			const c = new Seen(carolOnTwo);
			await carolOnTwo.sync(DOC);
			await c.until(11, (s) => s !== null);
			await c.until(22, (s) => s !== null);
			bobOnTwo.ws.terminate();
			await a.until(22, (s) => s === null);
			await c.until(22, (s) => s === null);
		} finally {
			await Promise.all([one.stop(), two.stop()]);
		}
	});
});
