import { beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeSyncFrame, encodeSyncFrame, PRESENCE } from '$lib/protocol/frames.ts';
import { orgDocId } from '$lib/protocol/messages.ts';
import { decodeAwarenessUpdate, encodeAwarenessUpdate, type AwarenessEntry } from '$lib/protocol/awareness.ts';
import type { TestClient } from './test-client.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';

const ok = { t: 'verdict', ok: true };
const MINUTE = 60_000;
let now: number;
beforeEach(() => {
	now = Date.UTC(2026, 10, 23, 12, 0, 0);
});
const t = serverForEachTest({ now: () => now });

/** Every presence entry a client was sent, in order. */
function seen(client: TestClient) {
	const entries: (AwarenessEntry & { doc: string })[] = [];
	client.ws.on('message', (data, isBinary) => {
		if (!isBinary) return;
		const frame = decodeSyncFrame(new Uint8Array(data as Buffer));
		if (frame.kind === PRESENCE) for (const e of decodeAwarenessUpdate(frame.payload)) entries.push({ ...e, doc: frame.doc });
	});
	return entries;
}

const state = (client: TestClient, doc: string, clientId: number, clock: number, s: unknown) =>
	client.send(encodeSyncFrame(doc, PRESENCE, encodeAwarenessUpdate([{ clientId, clock, state: s }])));

describe('presence is vouched for by the organization', () => {
	it("a subscriber whose organization session timed out is taken back, not sent others' presence", async () => {
		const { alice, bob } = await orgWith(t, { members: { bob: 'ORG_OWNER' } });
		const DOC = orgDocId('acme');
		const security = {
			type: 'org.setSecurity',
			orgId: 'acme',
			requireTwoFactor: false,
			idleTimeoutMinutes: 15,
			absoluteTimeoutHours: null
		};
		expect(await alice.client.mutate(security)).toMatchObject(ok);
		// bob stays active (a step 1 counts as activity); alice idles past the timeout, before the minute's sweep.
		now += 10 * MINUTE;
		await bob.client.sync(DOC);
		now += 6 * MINUTE;
		await bob.client.sync(DOC);
		const toAlice = seen(alice.client);
		const since = alice.client.log.length;
		state(bob.client, DOC, 22, 1, { view: 'members', editing: { what: 'memberRole', id: alice.user.id } });
		expect(await alice.client.waitFor((m) => m.t === 'revoked', since)).toMatchObject({ doc: DOC, code: 'SESSION_EXPIRED' });
		expect(toAlice).toEqual([]);
	});

	it('here since: reset when someone comes back after leaving', async () => {
		const { alice, bob } = await orgWith(t, { members: { bob: 'ORG_OWNER' } });
		const DOC = orgDocId('acme');
		const toAlice = seen(alice.client);
		const latest = () => toAlice.at(-1)?.state as { since: number } | null | undefined;
		state(bob.client, DOC, 22, 1, { view: 'members' });
		await vi.waitFor(() => expect(latest()).toMatchObject({ since: now }));
		const first = now;
		state(bob.client, DOC, 22, 2, null);
		await vi.waitFor(() => expect(latest()).toBeNull());
		now += 60 * MINUTE;
		state(bob.client, DOC, 22, 3, { view: 'members' });
		await vi.waitFor(() => expect(latest()).toMatchObject({ since: now }));
		expect(now).not.toBe(first);
	});

	it('someone is shown changing a row only while their role lets them make that change', async () => {
		const { alice, bob, rita } = await orgWith(t, { members: { bob: 'ORG_OWNER', rita: 'ORG_READ_ONLY' } });
		const DOC = orgDocId('acme');
		const toAlice = seen(alice.client);
		const stateOf = (userId: string) =>
			toAlice.filter((e) => (e.state as { user?: { id: string } } | null)?.user?.id === userId).at(-1)?.state;
		const editing = { what: 'memberRole', id: alice.user.id };
		state(rita.client, DOC, 44, 1, { view: 'members', editing });
		state(bob.client, DOC, 22, 1, { view: 'members', editing });
		await vi.waitFor(() => expect(stateOf(rita.user.id)).toMatchObject({ view: 'members', editing: null }));
		await vi.waitFor(() => expect(stateOf(bob.user.id)).toMatchObject({ view: 'members', editing }));
	});
});
