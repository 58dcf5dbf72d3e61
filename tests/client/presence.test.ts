import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as stock from 'y-protocols/awareness';
import * as Y from 'yjs';
import { decodeSyncFrame, PRESENCE } from '../../src/lib/protocol/frames.ts';
import { orgDocId, projectDocId } from '../../src/lib/protocol/messages.ts';
import { decodeAwarenessUpdate, encodeAwarenessUpdate } from '../../src/lib/protocol/awareness.ts';
import { PeerStore } from '../../src/lib/client/presence-peers.svelte.ts';
import { Presence, RENEW_MS, type PresenceLink } from '../../src/lib/client/presence.svelte.ts';
import { TabMessage, type TabPresence } from '../../src/lib/client/tab-channel.ts';

const ORG = orgDocId('acme');
const PROJECT = projectDocId('acme', 'web');
const peer = (id: string, view = 'members', extra: Record<string, unknown> = {}) => ({
	view,
	editing: null,
	user: { id, name: id, username: id },
	since: 1_000,
	...extra
});

/** An update as a stock y-protocols Awareness writes it: this client reads the same format. */
function stockUpdate(clientId: number, state: unknown): Uint8Array {
	const awareness = new stock.Awareness(new Y.Doc());
	awareness.clientID = clientId;
	awareness.setLocalState(state as Record<string, unknown>);
	return stock.encodeAwarenessUpdate(awareness, [clientId]);
}

describe('PeerStore: others as the server says', () => {
	it('reads stock awareness updates, keeps valid peers and drops them on a null state', () => {
		const peers = new PeerStore('ann');
		peers.receive(ORG, stockUpdate(7, peer('bob')));
		peers.receive(ORG, stockUpdate(8, peer('carol', 'teams')));
		expect(peers.on(ORG).map((p) => [p.clientId, p.state.user.id, p.state.view])).toEqual([
			[7, 'bob', 'members'],
			[8, 'carol', 'teams']
		]);
		peers.receive(ORG, encodeAwarenessUpdate([{ clientId: 7, clock: 2, state: null }]));
		expect(peers.on(ORG).map((p) => p.state.user.id)).toEqual(['carol']);
	});

	it.each([
		['free text', peer('bob', 'members', { note: 'click here' })],
		['an unknown page', peer('bob', 'admin-panel')],
		['no user', { view: 'members' }],
		['a row of an unknown kind', peer('bob', 'members', { editing: { what: 'password', id: 'carol' } })]
	])('skips an entry with %s, leaving the rest as it was', (_, state) => {
		const peers = new PeerStore('ann');
		peers.receive(ORG, stockUpdate(8, peer('carol')));
		peers.receive(ORG, encodeAwarenessUpdate([{ clientId: 7, clock: 1, state }]));
		expect(peers.on(ORG).map((p) => p.state.user.id)).toEqual(['carol']);
	});

	it('ignores a malformed update and a document id that is none', () => {
		const peers = new PeerStore('ann');
		peers.receive(ORG, stockUpdate(8, peer('carol')));
		const good = encodeAwarenessUpdate([{ clientId: 7, clock: 1, state: peer('bob') }]);
		for (const bad of [good.slice(0, -3), new Uint8Array([...good, 0]), new Uint8Array([200])]) peers.receive(ORG, bad);
		peers.receive('nonsense', good);
		expect(() => decodeAwarenessUpdate(new Uint8Array([1, 7, 1, 1, 123]))).toThrow();
		expect(peers.on(ORG).map((p) => p.state.user.id)).toEqual(['carol']);
		expect(peers.on('nonsense')).toEqual([]);
	});

	it("never lists this user's own entries, from this browser or another", () => {
		const peers = new PeerStore('ann');
		peers.receive(ORG, encodeAwarenessUpdate([{ clientId: 3, clock: 1, state: peer('ann') }]));
		expect(peers.on(ORG)).toEqual([]);
	});

	it("forgets a revoked organization with its projects' presence, and tells a new tab what it knows", () => {
		const peers = new PeerStore('ann');
		peers.receive(ORG, stockUpdate(7, peer('bob')));
		peers.receive(PROJECT, stockUpdate(8, peer('carol', 'project')));
		peers.receive(orgDocId('other'), stockUpdate(9, peer('dave')));
		const follower = new PeerStore('ann');
		for (const f of peers.frames()) follower.receive(f.doc, f.payload);
		expect(follower.docsOf('acme')).toEqual([ORG, PROJECT]);

		peers.forget(PROJECT);
		expect(peers.docsOf('acme')).toEqual([ORG]);
		peers.receive(PROJECT, stockUpdate(8, peer('carol', 'project')));
		peers.forget(ORG);
		expect(peers.docsOf('acme')).toEqual([]);
		expect(peers.docsOf('other')).toEqual([orgDocId('other')]);
	});
});

/** A tab's link: whether it leads and is online, what it sent the server (decoded) and posted to the leader. */
function fakeLink(leading: boolean, readable = [ORG, PROJECT]) {
	const state = {
		leading,
		online: true,
		readable,
		sent: [] as { doc: string; clientId: number; clock: number; state: unknown }[],
		posted: [] as TabPresence[]
	};
	const link: PresenceLink = {
		leading: () => state.leading,
		online: () => state.online,
		send: (bytes) => {
			const frame = decodeSyncFrame(bytes);
			expect(frame.kind).toBe(PRESENCE);
			for (const e of decodeAwarenessUpdate(frame.payload)!) state.sent.push({ doc: frame.doc, ...e });
		},
		post: (m) => state.posted.push(TabMessage.parse(m) as TabPresence),
		reads: (docId) => state.readable.includes(docId)
	};
	return { link, state };
}

describe('Presence: what this browser states', () => {
	let stops: (() => void)[] = [];
	beforeEach(() => {
		vi.useFakeTimers();
		vi.setSystemTime(10_000);
	});
	afterEach(() => {
		for (const stop of stops) stop();
		stops = [];
		vi.useRealTimers();
	});
	function tab(leading: boolean, readable?: string[]) {
		const { link, state } = fakeLink(leading, readable);
		const presence = new Presence('ann', link);
		presence.start();
		stops.push(() => presence.stop());
		return { presence, state };
	}
	const states = (sent: { doc: string; state: unknown }[]) => sent.map((s) => [s.doc, s.state]);
	/** A change is stated once the task that made it is done (a page left and the next entered are one update). */
	const flush = () => Promise.resolve();
	/** A leader tab, connected, on the organization's members page. */
	async function leaderOnMembers() {
		const leader = tab(true);
		leader.presence.connected([ORG, PROJECT]);
		await flush();
		leader.presence.enter(ORG, 'members');
		await flush();
		return leader;
	}

	it('states the page, then the open editor, and null on leaving; one client id, clocks counting up', async () => {
		const { presence, state } = tab(true);
		presence.connected([ORG, PROJECT]);
		await flush();
		const leave = presence.enter(ORG, 'members');
		await flush();
		const close = presence.edit({ what: 'memberRole', id: 'carol' });
		await flush();
		close();
		await flush();
		close();
		await flush();
		leave();
		await flush();
		expect(states(state.sent)).toEqual([
			[ORG, { view: 'members', editing: null }],
			[ORG, { view: 'members', editing: { what: 'memberRole', id: 'carol' } }],
			[ORG, { view: 'members', editing: null }],
			[ORG, null]
		]);
		expect(new Set(state.sent.map((s) => s.clientId)).size).toBe(1);
		expect(state.sent.map((s) => s.clock)).toEqual([1, 2, 3, 4]);
	});

	it('leaving one page for another of the same document is one update, and each document counts its own clock', async () => {
		const { presence, state } = tab(true);
		presence.connected([ORG, PROJECT]);
		const leaveMembers = presence.enter(ORG, 'members');
		await flush();
		// A route change: the old page's teardown and the new page's start in one task.
		leaveMembers();
		const leaveTeams = presence.enter(ORG, 'teams');
		await flush();
		leaveTeams();
		presence.enter(PROJECT, 'project');
		await flush();
		expect(states(state.sent)).toEqual([
			[ORG, { view: 'members', editing: null }],
			[ORG, { view: 'teams', editing: null }],
			[ORG, null],
			[PROJECT, { view: 'project', editing: null }]
		]);
		// Time spent on the project tells the organization's members nothing: its clock counts its own updates only.
		expect(state.sent.map((s) => s.clock)).toEqual([1, 2, 3, 1]);
	});

	it('states a document only once its socket follows it: requested at the welcome, or sent by the server since', async () => {
		const { presence, state } = tab(true);
		presence.connected([ORG]);
		// A project just created here: the server has not sent it to this socket yet, and would refuse presence on it.
		presence.enter(PROJECT, 'project');
		await flush();
		expect(state.sent).toEqual([]);
		presence.heard(PROJECT);
		await flush();
		expect(states(state.sent)).toEqual([[PROJECT, { view: 'project', editing: null }]]);
	});

	it('says nothing more of a document the server took back, not even that it left', async () => {
		const { presence, state } = tab(true);
		presence.connected([ORG, PROJECT]);
		presence.enter(PROJECT, 'project');
		await flush();
		state.readable = [ORG];
		presence.revoked(PROJECT);
		await flush();
		vi.advanceTimersByTime(RENEW_MS);
		await flush();
		expect(states(state.sent)).toEqual([[PROJECT, { view: 'project', editing: null }]]);
	});

	it('a page entered before the welcome is stated once the connection is online', async () => {
		const { presence, state } = tab(true);
		state.online = false;
		presence.enter(ORG, 'members');
		await flush();
		presence.connected([ORG, PROJECT]);
		await flush();
		expect(state.sent).toEqual([]);
		state.online = true;
		presence.status(true);
		await flush();
		expect(states(state.sent)).toEqual([[ORG, { view: 'members', editing: null }]]);
	});

	it('moving to a project leaves the organization document; a document it may not read gets nothing', async () => {
		const { presence, state } = tab(true, [ORG]);
		presence.connected([ORG, PROJECT]);
		await flush();
		const leave = presence.enter(ORG, 'teams');
		await flush();
		presence.enter(PROJECT, 'project');
		await flush();
		leave(); // the old page's teardown, after the new page: changes nothing
		expect(states(state.sent)).toEqual([
			[ORG, { view: 'teams', editing: null }],
			[ORG, null]
		]);
	});

	it('renews every 15 s while online; offline it sends nothing and shows no one, and a new connection states afresh', async () => {
		const { presence, state } = tab(true);
		presence.connected([ORG, PROJECT]);
		await flush();
		presence.enter(ORG, 'members');
		await flush();
		presence.peers.receive(ORG, stockUpdate(7, peer('bob')));
		vi.advanceTimersByTime(RENEW_MS);
		await flush();
		expect(state.sent.map((s) => s.clock)).toEqual([1, 2]);
		expect(state.sent[1]!.state).toEqual({ view: 'members', editing: null });

		state.online = false;
		presence.status(false);
		await flush();
		expect(presence.peers.on(ORG)).toEqual([]);
		vi.advanceTimersByTime(RENEW_MS * 2);
		await flush();
		presence.edit({ what: 'memberRole', id: 'carol' });
		await flush();
		expect(state.sent).toHaveLength(2);

		state.online = true;
		presence.connected([ORG, PROJECT]);
		await flush();
		expect(state.sent).toHaveLength(3);
		expect(state.sent[2]!.clientId).not.toBe(state.sent[0]!.clientId);
		expect(state.sent[2]!.state).toEqual({ view: 'members', editing: { what: 'memberRole', id: 'carol' } });
	});

	it('a follower tells the leader; the leader states the tab looked at last, and its own again when the follower closes', async () => {
		const leader = await leaderOnMembers();
		vi.setSystemTime(20_000);
		const follower = tab(false);
		follower.presence.enter(PROJECT, 'project');
		await flush();
		expect(follower.state.sent).toEqual([]);
		expect(follower.state.posted.at(-1)).toEqual({
			t: 'presence',
			tab: expect.any(String),
			seenAt: 20_000,
			here: { doc: PROJECT, state: { view: 'project', editing: null } }
		});
		leader.presence.fromTab(follower.state.posted.at(-1)!);
		await flush();
		expect(states(leader.state.sent)).toEqual([
			[ORG, { view: 'members', editing: null }],
			[ORG, null],
			[PROJECT, { view: 'project', editing: null }]
		]);

		// The person comes back to the leader's tab.
		vi.setSystemTime(30_000);
		window.dispatchEvent(new Event('focus'));
		await flush();
		expect(states(leader.state.sent.slice(3))).toEqual([
			[PROJECT, null],
			[ORG, { view: 'members', editing: null }]
		]);
		leader.state.sent = [];
		follower.presence.stop();
		await flush();
		leader.presence.fromTab(follower.state.posted.at(-1)!);
		await flush();
		expect(follower.state.posted.at(-1)).toEqual({ t: 'presence-gone', tab: expect.any(String) });
		expect(leader.state.sent).toEqual([]);
	});

	it('a follower renews with the leader; one not heard from for 30 s no longer counts', async () => {
		const leader = await leaderOnMembers();
		vi.setSystemTime(20_000);
		const follower = tab(false);
		follower.presence.enter(ORG, 'teams');
		await flush();
		leader.presence.fromTab(follower.state.posted.at(-1)!);
		await flush();
		vi.advanceTimersByTime(RENEW_MS);
		await flush();
		expect(follower.state.posted).toHaveLength(2);
		// The follower's renewals are lost (it crashed): the leader goes back to its own page.
		vi.advanceTimersByTime(RENEW_MS * 2 + 1);
		await flush();
		expect(leader.state.sent.at(-1)!.state).toEqual({ view: 'members', editing: null });
	});

	it('a leader whose own timer is held back (a hidden tab) renews when it hears from a tab', async () => {
		const leader = tab(true);
		leader.presence.connected([ORG, PROJECT]);
		leader.presence.enter(ORG, 'members');
		await flush();
		const follower = tab(false);
		follower.presence.enter(ORG, 'members');
		await flush();
		// Time passes without the leader's interval running, as a browser may do to a hidden tab.
		vi.setSystemTime(Date.now() + RENEW_MS);
		leader.presence.fromTab(follower.state.posted.at(-1)!);
		await flush();
		expect(leader.state.sent.map((s) => s.clock)).toEqual([1, 2]);
	});
});

describe('TabMessage: presence between tabs', () => {
	it('takes a page and row from the fixed lists only', () => {
		const here = { doc: ORG, state: { view: 'members', editing: { what: 'memberRole', id: 'carol' } } };
		expect(TabMessage.safeParse({ t: 'presence', tab: 't1', seenAt: 1, here }).success).toBe(true);
		expect(TabMessage.safeParse({ t: 'presence', tab: 't1', seenAt: 1, here: null }).success).toBe(true);
		expect(TabMessage.safeParse({ t: 'presence-gone', tab: 't1' }).success).toBe(true);
		const text = { doc: ORG, state: { view: 'members', note: 'hello' } };
		expect(TabMessage.safeParse({ t: 'presence', tab: 't1', seenAt: 1, here: text }).success).toBe(false);
	});
});
