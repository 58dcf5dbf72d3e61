import { describe, expect, it } from 'vitest';
import { pgLimits } from '../../sync-server/storage/postgres/pg-limits.ts';
import { limitsContract } from './limits-contract.ts';
import { freshPostgres } from './pg-store.ts';

/** Two servers' stores on one fresh database: each with its own pool, as two instances would have. */
async function twoServers() {
	const store = await freshPostgres();
	const second = await store.open();
	const pools = [store.first.pool, second.pool];
	return { pools, a: pgLimits(pools[0]!), b: pgLimits(pools[1]!), close: () => store.close() };
}

describe('PostgreSQL', () => {
	limitsContract('PostgreSQL', twoServers);

	it('deletes windows that have passed, so the table holds about one window of keys', async () => {
		const servers = await twoServers();
		try {
			const limiter = servers.a.limiter('signup-address', 10, 1000);
			for (let i = 0; i < 50; i++) await limiter.count(`address-${i}`, 1);
			await limiter.count('late', 1001);
			const { rows } = await servers.pools[1]!.query<{ n: string }>('SELECT count(*) AS n FROM rate_limits');
			expect(Number(rows[0]!.n)).toBe(1);
		} finally {
			await servers.close();
		}
	});
});
