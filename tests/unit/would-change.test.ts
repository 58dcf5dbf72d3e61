import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { wouldChange } from '../../sync-server/sync/would-change.ts';

/** A server document with a few entries, one of them deleted, and a client that has synced all of it. */
function synced() {
	const server = new Y.Doc();
	const members = server.getMap('members');
	members.set('a', { name: 'Ann' });
	members.set('b', { name: 'Bob' });
	members.set('c', { name: 'Cy' });
	members.delete('b');
	const client = new Y.Doc();
	Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
	return { server, client };
}

describe('wouldChange: whether an update from a stock client would change the document', () => {
	it('an update holding only what the document has (its whole state, its delete set) changes nothing', () => {
		const { server, client } = synced();
		expect(wouldChange(server, Y.encodeStateAsUpdate(server))).toBe(false);
		// What a stock client answers to a sync step 1: what it has beyond the server's state vector (nothing), and its delete set.
		expect(wouldChange(server, Y.encodeStateAsUpdate(client, Y.encodeStateVector(server)))).toBe(false);
		expect(wouldChange(server, Y.encodeStateAsUpdate(client))).toBe(false);
		expect(wouldChange(server, Y.encodeStateAsUpdate(new Y.Doc()))).toBe(false);
	});

	it('an update holding content the document lacks would change it', () => {
		const { server, client } = synced();
		const updates: Uint8Array[] = [];
		client.on('update', (u: Uint8Array) => updates.push(u));
		client.getMap('members').set('d', { name: 'Dee' });
		expect(wouldChange(server, updates[0]!)).toBe(true);
		expect(wouldChange(server, Y.encodeStateAsUpdate(client, Y.encodeStateVector(server)))).toBe(true);
	});

	it('a deletion of what the document has not deleted would change it, even with no new content', () => {
		const { server, client } = synced();
		const updates: Uint8Array[] = [];
		client.on('update', (u: Uint8Array) => updates.push(u));
		client.getMap('members').delete('a');
		expect(Y.decodeUpdate(updates[0]!).structs).toHaveLength(0);
		expect(wouldChange(server, updates[0]!)).toBe(true);
	});

	it('an update the document already applied changes nothing, and one that reaches past its state does', () => {
		const { server } = synced();
		const updates: Uint8Array[] = [];
		server.on('update', (u: Uint8Array) => updates.push(u));
		server.getMap('members').set('e', { name: 'Eve' });
		server.getMap('members').delete('a');
		for (const u of updates) expect(wouldChange(server, u)).toBe(false);
		const ahead = new Y.Doc();
		Y.applyUpdate(ahead, Y.encodeStateAsUpdate(server));
		ahead.getMap('members').set('f', { name: 'Fay' });
		expect(wouldChange(server, Y.encodeStateAsUpdate(ahead))).toBe(true);
	});

	it('bytes that are not an update throw (the caller refuses them as unreadable)', () => {
		const { server } = synced();
		expect(() => wouldChange(server, new Uint8Array([200, 200, 200]))).toThrow();
	});
});
