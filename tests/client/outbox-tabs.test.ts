import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Mutation } from '../../src/lib/domain/index.ts';
import { RosterDb } from '../../src/lib/client/db.ts';
import { Outbox } from '../../src/lib/client/outbox.svelte.ts';
import { Replicas } from '../../src/lib/client/replicas.ts';
import { DOC, ORG_ID, id } from './fixtures.ts';

const dbs: RosterDb[] = [];
afterEach(async () => {
	const all = dbs.splice(0);
	for (const db of all) db.close();
	for (const name of new Set(all.map((db) => db.name))) await Dexie.delete(name);
});

/** Two tabs of one user: two connections to the same IndexedDB database. */
function tabs(user: string) {
	const written: string[] = [];
	const parts = (['a', 'b'] as const).map((tab) => {
		const db = new RosterDb(user);
		dbs.push(db);
		return { db, outbox: new Outbox(db, () => written.push(tab)) };
	});
	return { a: parts[0]!, b: parts[1]!, written };
}

const setRole: Mutation = { type: 'member.setRole', orgId: ORG_ID, userId: id('bob'), role: 'ORG_MEMBER' };

describe('the outbox shared by the tabs of one user', () => {
	it('numbers entries added by two tabs at once without collision, and each tab reads the other’s on reload', async () => {
		const { a, b, written } = tabs('outbox-tabs-1');
		const added = await Promise.all([a.outbox.add(setRole), b.outbox.add(setRole), a.outbox.add(setRole), b.outbox.add(setRole)]);
		expect(new Set(added.map((e) => e.seq)).size).toBe(4);
		expect(written.sort()).toEqual(['a', 'a', 'b', 'b']);
		await Promise.all([a.outbox.load(), b.outbox.load()]);
		const order = added.map((e) => e.id).sort((x, y) => added.find((e) => e.id === x)!.seq - added.find((e) => e.id === y)!.seq);
		expect(a.outbox.pending().map((e) => e.id)).toEqual(order);
		expect(b.outbox.pending().map((e) => e.id)).toEqual(order);
	});

	it('shows a verdict another tab stored without writing it, and a reload agrees', async () => {
		const { a, b, written } = tabs('outbox-tabs-2');
		const [first, second] = [await a.outbox.add(setRole), await a.outbox.add(setRole)];
		await b.outbox.load();
		written.length = 0;
		await a.outbox.remove(first.id);
		await a.outbox.refuse(second.id, 'FORBIDDEN', 'No');
		await b.outbox.settled(first.id);
		await b.outbox.settled(second.id, { code: 'FORBIDDEN', message: 'No' });
		expect(written).toEqual(['a', 'a']);
		const shown = b.outbox.entries;
		expect(shown).toEqual([{ ...second, status: 'refused', code: 'FORBIDDEN', message: 'No' }]);
		await b.outbox.load();
		expect(b.outbox.entries).toEqual(shown);
	});

	it('a tab that does not store keeps what it receives in memory only', async () => {
		const db = new RosterDb('outbox-tabs-3');
		dbs.push(db);
		const follower = new Replicas(db, () => false);
		expect(await follower.applyRemote(DOC, new Uint8Array([0, 0]))).toBe(false);
		const leader = new Replicas(db);
		const doc = leader.ensure(DOC)!;
		doc.getMap('x').set('k', 1);
		expect(await follower.applyRemote(DOC, Y.encodeStateAsUpdate(doc))).toBe(true);
		expect(follower.get(ORG_ID)!.doc.getMap('x').get('k')).toBe(1);
		expect(await db.updates.count()).toBe(0);
	});

	it('an entry IndexedDB will not take stays in memory through reloads, is handed to the leader, and a verdict clears it', async () => {
		const { a, b } = tabs('outbox-tabs-full');
		const handed: string[] = [];
		const follower = new Outbox(
			b.db,
			() => {},
			(entry) => handed.push(entry.id)
		);
		// A database that refuses every write, as a full disk does.
		b.db.close();
		const entry = await follower.add(setRole);
		expect(handed).toEqual([entry.id]);
		expect(follower.pending().map((e) => e.id)).toEqual([entry.id]);
		await a.outbox.adopt(entry);
		await a.outbox.load();
		expect(a.outbox.pending().map((e) => e.id)).toEqual([entry.id]);
		await a.outbox.remove(entry.id);
		await a.outbox.load();
		expect(a.outbox.entries).toEqual([]);
		await follower.settled(entry.id);
		expect(follower.entries).toEqual([]);
	});
});
