import { afterEach, describe, expect, it } from 'vitest';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate as stockEncode } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { decodeSyncFrame } from '$lib/protocol/frames.ts';
import { orgDocId } from '$lib/protocol/messages.ts';
import { Budget, DEFAULT_LIMITS } from '../../sync-server/budget.ts';
import { Connection } from '../../sync-server/socket.ts';
import { decodeAwarenessUpdate, encodeAwarenessUpdate } from '$lib/protocol/awareness.ts';
import { Presence, PRESENCE_TIMEOUT_MS } from '../../sync-server/sync/presence.ts';
import type { Rooms } from '../../sync-server/sync/rooms.ts';

const DOC = orgDocId('acme');
const awarenesses: Awareness[] = [];
afterEach(() => awarenesses.splice(0).forEach((a) => a.destroy()));

function awareness() {
	const a = new Awareness(new Y.Doc());
	awarenesses.push(a);
	return a;
}

describe('the awareness codec', () => {
	it('reads what y-protocols writes, and y-protocols reads what it writes', () => {
		const a = awareness();
		a.setLocalState({ view: 'members' });
		expect(decodeAwarenessUpdate(stockEncode(a, [a.clientID]))).toEqual([{ clientId: a.clientID, clock: 1, state: { view: 'members' } }]);
		const b = awareness();
		applyAwarenessUpdate(b, encodeAwarenessUpdate([{ clientId: 7, clock: 3, state: { view: 'teams' } }]), 'test');
		expect(b.getStates().get(7)).toEqual({ view: 'teams' });
		applyAwarenessUpdate(b, encodeAwarenessUpdate([{ clientId: 7, clock: 4, state: null }]), 'test');
		expect(b.getStates().has(7)).toBe(false);
	});

	it('throws on malformed updates rather than reading past them', () => {
		for (const bad of [[], [1], [1, 7, 1], [1, 7, 1, 1, 0x7b], [0xff, 0xff, 0xff, 0x0f], [0, 0]]) {
			expect(() => decodeAwarenessUpdate(new Uint8Array(bad))).toThrow();
		}
	});
});

describe('Presence', () => {
	/** Two connections on one document of a room where everyone may read everything, and a clock the test moves. */
	function setup() {
		let now = 1_000;
		const subscribers = new Set<Connection>();
		const room = {
			state: { member: (userId: string) => ({ userId, username: userId, displayName: '' }) },
			mayRead: () => true,
			docRoom: () => ({ subscribers })
		};
		const presence = new Presence(
			{ get: () => room } as unknown as Rooms,
			() => now,
			{ sharePresence() {}, watchPresence: () => () => {} },
			() => true
		);
		const conn = (userId: string) => {
			const sent: Uint8Array[] = [];
			const c = new Connection(
				userId,
				{ isOpen: () => true, send: (d) => void sent.push(d as Uint8Array), close() {} },
				'h',
				new Budget(DEFAULT_LIMITS)
			);
			c.docs.add(DOC);
			subscribers.add(c);
			return { c, heard: () => sent.flatMap((f) => decodeAwarenessUpdate(decodeSyncFrame(f).payload)) };
		};
		return { presence, alice: conn('alice'), bob: conn('bob'), advance: (ms: number) => (now += ms) };
	}

	it('removes an entry not renewed for the timeout, and takes it back when renewed', () => {
		const { presence, alice, bob, advance } = setup();
		expect(presence.receive(bob.c, DOC, encodeAwarenessUpdate([{ clientId: 2, clock: 1, state: { view: 'members' } }]))).toBeUndefined();
		advance(PRESENCE_TIMEOUT_MS - 1);
		presence.sweep();
		expect(alice.heard()).toHaveLength(1);
		advance(2);
		presence.sweep();
		expect(alice.heard().at(-1)).toEqual({ clientId: 2, clock: 2, state: null });
		expect(presence.presenceOf(DOC)).toBeUndefined();
		// A late renewal (its clock below the removal's) still reaches peers: the relayed clock goes above the removal's.
		advance(1_000);
		presence.receive(bob.c, DOC, encodeAwarenessUpdate([{ clientId: 2, clock: 2, state: { view: 'members' } }]));
		expect(alice.heard().at(-1)).toMatchObject({ clientId: 2, clock: 3, state: { view: 'members', user: { id: 'bob' } } });
		presence.close();
	});
});
