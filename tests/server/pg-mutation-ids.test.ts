import { describe, expect, it } from 'vitest';
import { emptyBatch, mutationKey, type StoreBatch } from '../../sync-server/storage/documents.ts';
import { freshPostgres } from './pg-store.ts';
import { record } from './storage-log-contract.ts';

const write = (orgId: string): StoreBatch => ({
	...emptyBatch(),
	updates: [{ orgId, docId: `org:${orgId}`, data: new Uint8Array([1]) }],
	mutations: [record('u1', 'm1', orgId)]
});

describe('one mutation id sent to two servers for two organizations', () => {
	it('is recorded once: the second writer sees the first one’s verdict instead of failing its whole batch', async () => {
		const pg = await freshPostgres();
		try {
			const one = pg.first.documents;
			const two = (await pg.open()).documents;
			const waitsForLock = async () =>
				(await pg.first.pool.query<{ n: number }>(`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`))
					.rows[0]!.n > 0;
			const key = { userId: 'u1', id: 'm1' };
			const first = await one.begin([{ orgId: 'a', after: 0 }], [key]);
			// The same user and id, naming another organization, checked by another server at the same time.
			let began = false;
			const second = two.begin([{ orgId: 'b', after: 0 }], [key]).then(async (tx) => {
				began = true;
				if (tx.recorded.has(mutationKey(key))) return (await tx.rollback(), 'answered from the record');
				await tx.commit(write('b'));
				return 'recorded again';
			});
			// The second has begun, or waits for a lock (as it should, until the first ends).
			while (!began && !(await waitsForLock())) continue;
			await first.commit(write('a'));
			expect(await second).toBe('answered from the record');
		} finally {
			await pg.close();
		}
	});
});
