import { describe, expect, it } from 'vitest';
import { emptyBatch, mutationKey, type DocumentStore, type StoreBatch } from '../../sync-server/storage/documents.ts';

/** A fresh, empty documents store for one test, and how to let it go. */
export interface DocumentsUnderTest {
	store: DocumentStore;
	/**
	 * Another store on the same data, as a second server opens it (closed with the first). Where
	 * none is given the tests use the first store for both writers: its own lock must serialize them.
	 */
	another?(): Promise<DocumentStore>;
	close(): Promise<void> | void;
}

const batch = (parts: Partial<StoreBatch>): StoreBatch => ({ ...emptyBatch(), ...parts });
const update = (orgId: string, docId: string, ...b: number[]) => ({ orgId, docId, data: new Uint8Array(b) });
const changes = (orgId: string, type: string, at = 1) => ({ orgId, at, entries: [{ type, changes: [], by: 'u1', id: `m-${type}` }] });
/** An accepted mutation's record, as a commit writes it. */
export const record = (userId: string, id: string, orgId = 'a') => ({
	userId,
	id,
	orgId,
	type: 'team.create',
	body: JSON.stringify({ type: 'team.create', orgId }),
	ok: true,
	code: null,
	message: null,
	names: null,
	at: 1
});

/** The organization log and write transactions: what several servers on one store rely on. */
export function orgLogContract(name: string, open: () => Promise<DocumentsUnderTest>) {
	const withStores = (test: (store: DocumentStore, other: DocumentStore) => Promise<void>) => async () => {
		const opened = await open();
		try {
			await test(opened.store, (await opened.another?.()) ?? opened.store);
		} finally {
			await opened.close();
		}
	};

	describe(`documents store contract, organization logs: ${name}`, () => {
		it(
			'reads an organization’s log after a sequence: its updates and changes, oldest first, and its head',
			withStores(async (store) => {
				expect(await store.orgLog('a', 0)).toEqual({ head: 0, updates: [], changes: [] });
				const first = await store.commit(
					batch({
						updates: [update('a', 'org:a', 1), update('a', 'project:a/p', 2), update('b', 'org:b', 3)],
						changes: [changes('a', 'team.create')]
					})
				);
				const [third] = await store.commit(batch({ updates: [update('a', 'org:a', 4)], changes: [changes('a', 'member.add')] }));
				const all = await store.orgLog('a', 0);
				expect(all.head).toBe(third);
				// Every organization's head in one read, 0 for one never committed to.
				expect(await store.heads(['a', 'b', 'none'])).toEqual(
					new Map([
						['a', third],
						['b', first[2]],
						['none', 0]
					])
				);
				expect(all.updates.map((u) => [u.seq, u.docId, [...u.data]])).toEqual([
					[first[0], 'org:a', [1]],
					[first[1], 'project:a/p', [2]],
					[third, 'org:a', [4]]
				]);
				// A batch's changes carry its organization's last sequence in it.
				expect(all.changes).toEqual([
					{ seq: first[1], at: 1, entries: [{ type: 'team.create', changes: [], by: 'u1', id: 'm-team.create' }] },
					{ seq: third, at: 1, entries: [{ type: 'member.add', changes: [], by: 'u1', id: 'm-member.add' }] }
				]);
				const later = await store.orgLog('a', first[1]!);
				expect(later).toEqual({
					head: third,
					updates: [{ seq: third, docId: 'org:a', data: expect.anything() }],
					changes: [all.changes[1]]
				});
				expect(await store.orgLog('a', third!)).toEqual({ head: third, updates: [], changes: [] });
				expect((await store.orgLog('b', 0)).updates.map((u) => [...u.data])).toEqual([[3]]);
			})
		);

		it(
			'reads an organization’s history a page at a time: each batch with when it was committed, who sent each entry and its id',
			withStores(async (store) => {
				const seqs: number[] = [];
				for (const [i, type] of ['org.create', 'team.create', 'member.add'].entries()) {
					const written = await store.commit(batch({ updates: [update('a', 'org:a', i)], changes: [changes('a', type, 1000 * (i + 1))] }));
					seqs.push(written[0]!);
				}
				await store.commit(batch({ updates: [update('b', 'org:b', 9)], changes: [changes('b', 'org.create')] }));
				const first = await store.history('a', 0, 2);
				expect(first).toEqual([
					{ seq: seqs[0], at: 1000, entries: [{ type: 'org.create', changes: [], by: 'u1', id: 'm-org.create' }] },
					{ seq: seqs[1], at: 2000, entries: [{ type: 'team.create', changes: [], by: 'u1', id: 'm-team.create' }] }
				]);
				expect((await store.history('a', seqs[1]!, 2)).map((c) => [c.seq, c.at])).toEqual([[seqs[2], 3000]]);
				expect(await store.history('a', seqs[2]!, 2)).toEqual([]);
			})
		);

		it(
			'begin reports what another writer committed after `after`, and the verdicts already recorded',
			withStores(async (store, other) => {
				const [seen] = await store.commit(batch({ updates: [update('a', 'org:a', 1)] }));
				const [missed] = await other.commit(
					batch({ updates: [update('a', 'org:a', 2)], changes: [changes('a', 'team.create')], mutations: [record('u1', 'm1')] })
				);
				const tx = await store.begin(
					[
						{ orgId: 'a', after: seen! },
						{ orgId: 'b', after: 0 }
					],
					[
						{ userId: 'u1', id: 'm1' },
						{ userId: 'u1', id: 'm2' }
					]
				);
				const log = tx.logs.get('a')!;
				expect(log.head).toBe(missed);
				expect(log.updates.map((u) => [u.seq, [...u.data]])).toEqual([[missed, [2]]]);
				expect(log.changes.map((c) => c.seq)).toEqual([missed]);
				expect(tx.logs.get('b')).toEqual({ head: 0, updates: [], changes: [] });
				expect([...tx.recorded]).toEqual([[mutationKey({ userId: 'u1', id: 'm1' }), { ok: true }]]);
				const [next] = await tx.commit(batch({ updates: [update('a', 'org:a', 3)], mutations: [record('u1', 'm2')] }));
				expect(next).toBeGreaterThan(missed!);
				expect(await other.mutation('u1', 'm2')).toEqual({ ok: true });
			})
		);

		it(
			'a rolled-back transaction writes nothing and lets the organization go',
			withStores(async (store, other) => {
				const tx = await store.begin([{ orgId: 'a', after: 0 }], []);
				await tx.rollback();
				const again = await other.begin([{ orgId: 'a', after: 0 }], []);
				expect(again.logs.get('a')).toEqual({ head: 0, updates: [], changes: [] });
				await again.commit(batch({ updates: [update('a', 'org:a', 1)] }));
				expect((await store.orgLog('a', 0)).updates).toHaveLength(1);
			})
		);

		it(
			'a commit whose mutation was recorded already writes nothing, and lets the organization go',
			withStores(async (store, other) => {
				await store.commit(batch({ mutations: [record('u1', 'm1')] }));
				const tx = await store.begin([{ orgId: 'a', after: 0 }], []);
				await expect(tx.commit(batch({ updates: [update('a', 'org:a', 1)], mutations: [record('u1', 'm1')] }))).rejects.toThrow();
				expect(await store.orgLog('a', 0)).toEqual({ head: 0, updates: [], changes: [] });
				await other.commit(batch({ updates: [update('a', 'org:a', 2)] }));
				expect((await store.orgLog('a', 0)).updates.map((u) => [...u.data])).toEqual([[2]]);
			})
		);

		for (const end of ['commits', 'rolls back'] as const) {
			it(
				`a second begin on an organization waits until the first ${end}, then reads what it left`,
				withStores(async (store, other) => {
					const first = await store.begin([{ orgId: 'a', after: 0 }], [{ userId: 'u1', id: 'm1' }]);
					const events: string[] = [];
					// Names the organizations in another order: the locks are taken in one order anyway.
					const second = other
						.begin(
							[
								{ orgId: 'b', after: 0 },
								{ orgId: 'a', after: 0 }
							],
							[{ userId: 'u1', id: 'm1' }]
						)
						.then((tx) => (events.push('second began'), tx));
					// What the second writer's store answers meanwhile comes back while its begin still waits.
					expect(await other.orgLog('a', 0)).toEqual({ head: 0, updates: [], changes: [] });
					expect(events).toEqual([]);
					events.push('first ends');
					if (end === 'commits') await first.commit(batch({ updates: [update('a', 'org:a', 1)], mutations: [record('u1', 'm1')] }));
					else await first.rollback();
					const tx = await second;
					expect(events).toEqual(['first ends', 'second began']);
					expect(tx.logs.get('a')!.updates.map((u) => [...u.data])).toEqual(end === 'commits' ? [[1]] : []);
					expect(tx.recorded.size).toBe(end === 'commits' ? 1 : 0);
					await tx.rollback();
				})
			);
		}
	});
}
