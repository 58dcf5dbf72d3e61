import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLOSE } from '$lib/protocol/messages.ts';
import { TestServer, post } from './test-client.ts';

const ORG = 'acme';
/** Small, so that a burst of a few thousand frames is far beyond it. */
const LIMITS = { framesPerSecond: 5, frameBurst: 20, waitingFrames: 50 };
const FLOOD = 3000;

let t: TestServer;

describe('a connection that floods', () => {
	beforeEach(async () => {
		t = await new TestServer({ limits: LIMITS }).start();
	});
	afterEach(async () => {
		await t.stop();
	});

	it('is closed with 4429, its excess changes nothing, and another member still gets its verdicts', async () => {
		const alice = await t.user('alice');
		const bob = await t.user('bob');
		expect(await alice.client.mutate({ type: 'org.create', orgId: ORG, name: 'Acme' })).toMatchObject({ ok: true });
		expect(await alice.client.mutate({ type: 'member.add', orgId: ORG, username: 'bob', role: 'ORG_OWNER' })).toMatchObject({ ok: true });

		// Alice's second socket sends thousands of valid mutations at once; Bob, meanwhile, one.
		const flooder = await t.connect(alice.cookie);
		const id = (i: number) => `flood-${String(i).padStart(5, '0')}`;
		for (let i = 0; i < FLOOD; i++) {
			flooder.send({ t: 'mutate', id: id(i), mutation: { type: 'team.create', orgId: ORG, teamId: `t${i}`, name: `Team ${i}` } });
		}
		const bobs = bob.client.mutate({ type: 'team.create', orgId: ORG, teamId: 'bobs', name: 'Bob’s team' });
		const lastVerdict = flooder
			.waitFor((m) => m.t === 'verdict' && m.id === id(FLOOD - 1))
			.then(
				() => 'every flood frame was handled',
				() => 'closed'
			);

		expect(await Promise.race([lastVerdict, flooder.closed.then(() => 'closed')])).toBe('closed');
		expect(await flooder.closed).toEqual({ code: CLOSE.tooMany.code, reason: CLOSE.tooMany.reason });
		expect(await bobs).toMatchObject({ ok: true });

		// What was handled is a prefix of the flood, each durably recorded; nothing after it took effect.
		const state = (await t.server.hub.orgState(ORG))!;
		const created = state
			.teams()
			.filter((team) => team.id.startsWith('t'))
			.map((team) => Number(team.id.slice(1)))
			.sort((a, b) => a - b);
		expect(created.length).toBeGreaterThan(0);
		expect(created.length).toBeLessThan(LIMITS.frameBurst + LIMITS.waitingFrames);
		expect(created).toEqual(created.map((_, i) => i));
		for (const i of created) expect(await t.server.documents.mutation(alice.user.id, id(i))).toMatchObject({ ok: true });
		expect(await t.server.documents.mutation(alice.user.id, id(created.length))).toBeUndefined();
		expect(state.team('bobs')).toBeDefined();

		// The member can carry on after a pause: a new socket is served as before.
		const again = await t.connect(alice.cookie);
		expect(await again.mutate({ type: 'org.rename', orgId: ORG, name: 'Acme 2' })).toMatchObject({ ok: true });
	}, 30_000);
});

describe('a user that opens many sockets', () => {
	beforeEach(async () => {
		t = await new TestServer({ limits: { socketsPerUser: 3 } }).start();
	});
	afterEach(async () => {
		await t.stop();
	});

	it('gets no more than its share: one over is closed with 4429, other users connect, and closing one makes room', async () => {
		const alice = await t.user('alice');
		const more = [await t.connect(alice.cookie), await t.connect(alice.cookie)];
		const over = await t.connect(alice.cookie);
		expect(await over.closed).toEqual({ code: CLOSE.tooManySockets.code, reason: CLOSE.tooManySockets.reason });
		expect(over.messages).toEqual([]);
		// Each broadcast visits every subscribed socket: the first three still get theirs.
		expect(await alice.client.mutate({ type: 'org.create', orgId: ORG, name: 'Acme' })).toMatchObject({ ok: true });
		for (const c of more) expect(c.welcome()).toMatchObject({ t: 'welcome' });

		const bob = await t.user('bob');
		expect(bob.client.welcome()).toMatchObject({ t: 'welcome' });
		more[0]!.close();
		await vi.waitFor(() => expect(t.server.hub.mayConnect(alice.user.id)).toBe(true));
		const again = await t.connect(alice.cookie);
		expect(again.welcome()).toMatchObject({ t: 'welcome' });
	});
});

describe('writes over HTTP', () => {
	beforeEach(async () => {
		// Budgets refill in real time: one that hardly refills counts the same on a slow machine.
		t = await new TestServer({ limits: { framesPerSecond: 0.001, frameBurst: 30 } }).start();
	});
	afterEach(async () => {
		await t.stop();
	});

	it('spend the same budget as the user’s sockets: a burst of cards meets 429 and adds no more', async () => {
		const alice = await t.user('alice');
		expect(await alice.client.mutate({ type: 'org.create', orgId: ORG, name: 'Acme' })).toMatchObject({ ok: true });
		const statuses: number[] = [];
		for (let i = 0; i < 40; i++) {
			const res = await post(
				t.base,
				'/api/cards',
				{ org: ORG, number: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '737', holder: 'Acme' },
				{ cookie: alice.cookie }
			);
			statuses.push(res.status);
			if (res.status === 429) expect(await res.json()).toMatchObject({ code: 'RATE_LIMITED' });
		}
		const added = statuses.filter((s) => s === 201).length;
		expect(statuses).toContain(429);
		expect(added).toBeLessThan(31);
		expect((await t.server.hub.orgState(ORG))!.billing().cards()).toHaveLength(added);
	});

	it('a display name changed again and again (copied into every organization and broadcast) meets 429 too', async () => {
		const alice = await t.user('alice');
		const statuses: number[] = [];
		for (let i = 0; i < 40; i++) {
			const res = await fetch(new URL('/api/me', t.base), {
				method: 'PATCH',
				headers: { cookie: alice.cookie, 'content-type': 'application/json' },
				body: JSON.stringify({ displayName: `Alice ${i % 2}` })
			});
			statuses.push(res.status);
		}
		expect(statuses).toContain(429);
	});
});
