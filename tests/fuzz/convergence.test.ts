import { describe, expect, it } from 'vitest';
import { FuzzRun } from './fuzz-run.ts';

/**
 * Seeded convergence runs (DESIGN "Testing", Convergence): random valid and invalid
 * mutations from several clients, with disconnects, retries and server restarts; at
 * the end every replica equals the server and SPEC §3 invariant 1 holds.
 * The same seed replays the same run (see FuzzRun); a failure names the seed and the
 * last steps.
 *
 * To hunt: FUZZ_SEEDS=n adds seeds 1…n, FUZZ_MUTATIONS=n changes the run length, and
 * FUZZ_STATS=1 prints what each run did (FUZZ_STATS=trail: every step).
 */
const SEEDS = [0x5eed0001, 0x00c0ffee, 0x20240611];

/**
 * A seed that once failed stays here, named, with what it found, e.g.
 * `{ seed: 0x0000002a, found: 'a retried member.remove was applied twice after a restart' }`.
 * None so far: seeds 1…300 (several versions of the run), 1…60 at 500 mutations each,
 * and these three found no server bug.
 */
const REGRESSIONS: { seed: number; found: string }[] = [];

const EXTRA = Array.from({ length: Number(process.env.FUZZ_SEEDS ?? 0) }, (_, i) => i + 1);
const MUTATIONS = Number(process.env.FUZZ_MUTATIONS ?? 150);

const hex = (seed: number) => `0x${seed.toString(16).padStart(8, '0')}`;

async function run(seed: number) {
	const restarts = 1 + (seed % 2);
	const fuzz = new FuzzRun({ seed, mutations: MUTATIONS, restarts });
	await fuzz.run();
	if (process.env.FUZZ_STATS) console.info(hex(seed), fuzz.stats, process.env.FUZZ_STATS === 'trail' ? fuzz.trail.join('\n') : '');
	expect(fuzz.stats.restarts).toBe(restarts);
	return fuzz.stats;
}

describe('convergence', () => {
	for (const seed of SEEDS) {
		const title = `seed ${hex(seed)}: ${MUTATIONS} mutations, disconnects, ${1 + (seed % 2)} restart(s); every replica equals the server`;
		it(title, async () => {
			const stats = await run(seed);
			// Not a vacuous run: enough got through to change memberships and cut verdicts off.
			expect(stats.accepted, 'the generator mostly made refused mutations').toBeGreaterThan(15);
			expect(stats.lost + stats.retried).toBeGreaterThan(0);
		}, 30_000);
	}
	for (const { seed, found } of REGRESSIONS) {
		it(`regression seed ${hex(seed)}: ${found}`, () => run(seed), 30_000);
	}
	for (const seed of EXTRA) it(`hunting seed ${hex(seed)}`, () => run(seed), 30_000);
});
