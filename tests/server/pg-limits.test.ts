import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pgLimits } from '../../sync-server/storage/postgres/pg-limits.ts';
import { limitsContract } from './limits-contract.ts';

const url = process.env.ROSTER_TEST_PG_URL;
const MIGRATION = readFileSync(new URL('../../sync-server/storage/postgres/migrations/0002-rate-limits.sql', import.meta.url), 'utf8');

/** Two servers' pools on one fresh schema holding the limits' table. */
async function twoServers() {
	const schema = `limits_${randomBytes(6).toString('hex')}`;
	const admin = new pg.Client({ connectionString: url });
	await admin.connect();
	await admin.query(`CREATE SCHEMA ${schema}`);
	await admin.query(`SET search_path TO ${schema}; ${MIGRATION}`);
	const pools = [0, 1].map(() => new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 4 }));
	return {
		pools,
		a: pgLimits(pools[0]!),
		b: pgLimits(pools[1]!),
		async close() {
			await Promise.all(pools.map((p) => p.end()));
			await admin.query(`DROP SCHEMA ${schema} CASCADE`);
			await admin.end();
		}
	};
}

// Needs a PostgreSQL database (ROSTER_TEST_PG_URL); the cluster harness will provide one.
describe.runIf(url)('PostgreSQL', () => {
	limitsContract('PostgreSQL', twoServers);

	it('deletes windows that have passed, so the table holds about one window of keys', async () => {
		const servers = await twoServers();
		try {
			const limiter = servers.a.limiter('signup-address', 10, 1000);
			for (let i = 0; i < 50; i++) await limiter.count(`address-${i}`, 1);
			await limiter.count('late', 1001);
			const { rows } = await servers.pools[1]!.query<{ n: string }>('SELECT count(*) AS n FROM rate_limits');
			expect(rows[0]!.n).toBe('1');
		} finally {
			await servers.close();
		}
	});
});
