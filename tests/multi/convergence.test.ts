import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FuzzRun } from '../fuzz/fuzz-run.ts';
import { ServerProcesses } from '../fuzz/fuzz-servers.ts';
import { startCluster, type PostgresCluster } from '../server/postgres-cluster.ts';

/**
 * The seeded convergence fuzz (tests/fuzz) with its clients spread over three server processes
 * on one PostgreSQL database, each restart a kill -9 of one instance and its start: every
 * acknowledged mutation is in the store, every member's replica equals it, non-members hold nothing.
 */
const SEEDS = [
	{ seed: 0x5eed0001, covers: 'two instances killed and restarted, mutations retried under the same ids' },
	{ seed: 0x20240611, covers: 'access lost and regained across instances' }
];
const MUTATIONS = 150;
const INSTANCES = 3;

let cluster: PostgresCluster;
beforeAll(async () => {
	cluster = await startCluster();
});
afterAll(() => cluster?.stop());

const hex = (seed: number) => `0x${seed.toString(16).padStart(8, '0')}`;

describe('convergence across instances', () => {
	for (const { seed, covers } of SEEDS) {
		const restarts = 1 + (seed % 2);
		it(`seed ${hex(seed)} on ${INSTANCES} instances (${covers}): ${MUTATIONS} mutations, ${restarts} kill -9; every replica equals the store`, async () => {
			const fuzz = new FuzzRun({ seed, mutations: MUTATIONS, restarts, servers: new ServerProcesses(cluster, INSTANCES) });
			await fuzz.run();
			if (process.env.FUZZ_STATS) console.info(hex(seed), fuzz.stats, process.env.FUZZ_STATS === 'trail' ? fuzz.trail.join('\n') : '');
			expect(fuzz.stats.restarts).toBe(restarts);
			expect(fuzz.stats.accepted, 'the generator mostly made refused mutations').toBeGreaterThan(15);
		});
	}
});
