/**
 * `npm run bench`: the DESIGN.md "Targets" load against Roster's sync server, in several set-ups
 * (bench/scenarios.ts), and, in the same run, against the plain `@y/websocket-server` relay.
 * Prints figures; asserts nothing.
 *
 * Load: 100 connected websocket clients, of which 10 write (at least one per organization), an
 * open-loop total rate. Each server runs in its own child process on 127.0.0.1; the clients run here.
 *   Roster: a writer sends `team.rename` (a unique name) → verdict ok (checked, applied, committed, broadcast,
 *           acked), and → a passive observer (another member, subscribed to the organization's document, on
 *           another instance where there are several) has applied the new name to its replica.
 *   Relay:  writer sends a y-websocket update (one Y.Map set) → the observer client has applied it.
 * The rate search and the comparison with the relay use the observer's latency; the verdict's is printed beside it.
 *
 * Knobs (for investigation; the defaults are the DESIGN.md load):
 *   BENCH_RATES=200,500,…          the rate-search steps
 *   BENCH_ONLY=roster|relay|noisy|presence  one part only
 *   BENCH_SCENARIOS=sqlite-1x1,pg-3x30,…  the Roster set-ups, `<sqlite|pg>-<instances>x<organizations>`
 *                                  (default: sqlite-1x1, pg-1x1, pg-2x1, pg-3x1, pg-1x30, pg-2x30, pg-3x30;
 *                                  PostgreSQL ones are skipped, saying why, when no cluster can be started)
 *   BENCH_CPU_PROF=<dir>           run the Roster servers under `--cpu-prof` (a .cpuprofile is written on exit)
 *
 * The throughput runs raise Roster's per-user frame budget (--frames-per-second): its writers stand
 * in for many people, each sending hundreds of mutations a second. The noisy-neighbour step then runs
 * with the default budget: one member floods its socket (junk, refused and accepted mutations) while
 * another sends 50 mutations/s, whose round trip (send → verdict) is printed beside the quiet figure.
 * The presence step (bench/presence-step.ts) measures the round trip at 200/s with and without 100 owners present.
 */
import { cpus } from 'node:os';
import { runStep, sleep, type LoadTarget, type StepOptions } from './harness.ts';
import { noisyNeighbour, STEP as NOISY_STEP, type NoisyOutcome } from './noisy-neighbour.ts';
import { postgres } from './postgres.ts';
import { presenceStep, presenceSummary, type PresenceOutcome } from './presence-step.ts';
import { cleanUp } from './proc.ts';
import { startRelay } from './relay-load.ts';
import { header, highestHeld, held, P99_LIMIT_MS, printScaling, printSummary, row, type Outcome } from './report.ts';
import { startRoster, type LoadShape } from './roster-load.ts';
import { BASELINE, chosenScenarios, describe, type Scenario } from './scenarios.ts';
import { ms } from './stats.ts';

const SHAPE: LoadShape = { clients: 100, writers: 10, log: (line) => console.log(`  ${line}`) };
const STEADY: StepOptions = { rate: 200, warmupMs: 1000, durationMs: 5000, drainMs: 3000 };
const SEARCH_RATES = rates(process.env.BENCH_RATES) ?? [200, 500, 1000, 2000, 3000, 5000];
const SEARCH: Omit<StepOptions, 'rate'> = { warmupMs: 500, durationMs: 3000, drainMs: 3000 };
/** Each writer sends up to SEARCH_RATES' top / writers mutations a second: far above a person's budget. */
const THROUGHPUT_ARGS = ['--frames-per-second', '100000'];
/** Pause after setup, so its aftermath (signup writes being flushed, GC) is not measured. */
const SETTLE_MS = 1500;
/** BENCH_ONLY=roster, relay, noisy or presence runs one part only (for profiling); the ratio then needs both sides. */
const ONLY = process.env.BENCH_ONLY;
/** A hard stop, far above the expected few minutes, so a wedged run cannot hang. */
const WATCHDOG_MS = 20 * 60_000;

async function measure(name: string, title: string, start: () => Promise<LoadTarget>): Promise<Outcome> {
	console.log(`\n== ${name}: ${title}`);
	const target = await start();
	try {
		await sleep(SETTLE_MS);
		console.log(`  steady: ${STEADY.rate}/s for ${STEADY.durationMs / 1000} s after ${STEADY.warmupMs / 1000} s warm-up`);
		console.log(`  ${header()}`);
		const steady = await runStep(target, STEADY);
		console.log(`  ${row(steady)}`);

		console.log(
			`  rate search: ${SEARCH.durationMs / 1000} s per step (+${SEARCH.warmupMs / 1000} s warm-up), stop at observer p99 > ${P99_LIMIT_MS} ms or < 90% achieved`
		);
		console.log(`  ${header()}`);
		const search = [];
		for (const rate of SEARCH_RATES) {
			await sleep(500);
			const r = await runStep(target, { ...SEARCH, rate });
			search.push(r);
			console.log(`  ${row(r)}`);
			if (!held(r)) break;
		}
		const best = highestHeld(search, 'observer');
		const heldByVerdict = target.measures.includes('verdict') ? highestHeld(search, 'verdict') : undefined;
		return { name, steady, search, held: best, heldByVerdict, capped: best === SEARCH_RATES[SEARCH_RATES.length - 1] };
	} finally {
		await target.close();
	}
}

/** The Roster set-ups to measure; a misspelt BENCH_SCENARIOS stops the run before anything starts. */
function scenariosOrExit(): Scenario[] {
	try {
		return chosenScenarios();
	} catch (err) {
		console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
		process.exit(2);
	}
}

async function main() {
	const scenarios = scenariosOrExit();
	console.log(
		`Roster bench: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}; ` +
			`${SHAPE.clients} clients (${SHAPE.writers} writers, or one per organization if more), open loop`
	);
	console.log(
		'  latency: roster verdict = writer send → verdict ok (checked, durable, broadcast, acked); observer = writer send →\n' +
			'  a passive member (on another instance where there are several) has applied the change; relay = writer send → observer applied.\n' +
			'  lag p99 = how late the bench sent vs its schedule; CPU = share of one core used by the server children, by this\n' +
			'  process, and by everything else on the machine (high "other CPU" means the figures are disturbed);\n' +
			'  recv msg/s = websocket messages received by all 100 clients together.'
	);
	const outcomes: Outcome[] = [];
	if (!ONLY || ONLY === 'roster') {
		for (const scenario of scenarios) {
			const cluster = scenario.store === 'pg' ? await postgres() : undefined;
			if (typeof cluster === 'string') {
				console.log(`\n== ${scenario.name}: skipped, ${cluster}`);
				continue;
			}
			try {
				outcomes.push(
					await measure(scenario.name, `Roster, ${describe(scenario)} (validated, durable)`, () =>
						startRoster(SHAPE, { scenario, serverArgs: THROUGHPUT_ARGS })
					)
				);
			} catch (err) {
				// One set-up that fails (a server that would not start, a wedged subscription) leaves the others' figures.
				console.error(`  ${scenario.name} failed:`, err);
				process.exitCode = 1;
			}
		}
	}
	const relay =
		ONLY && ONLY !== 'relay'
			? undefined
			: await measure('relay', '@y/websocket-server 0.1.1 (plain relay, in memory)', () => startRelay(SHAPE));
	if (relay) outcomes.push(relay);
	let noisy: NoisyOutcome | undefined;
	if (!ONLY || ONLY === 'noisy') {
		console.log(`\n== Noisy neighbour (Roster, ${describe(BASELINE)}, default per-user budget)`);
		noisy = await noisyNeighbour(SHAPE.log);
	}
	let presence: PresenceOutcome | undefined;
	if (!ONLY || ONLY === 'presence') {
		console.log(`\n== Presence (Roster, ${describe(BASELINE)}, default per-user budget)`);
		presence = await presenceStep(SHAPE.log);
	}

	console.log('\n== Summary');
	if (outcomes.length) printSummary(outcomes, STEADY.rate);
	if (noisy) {
		const at = (r: NoisyOutcome['quiet']) => `${ms(r.latency.verdict!.p50)}/${ms(r.latency.verdict!.p99)}`;
		const floods = noisy.flooded.map((f) => `${f.kind} ${at(f.result)}`).join(', ');
		console.log(
			`  other member's verdict p50/p99 (ms) at ${NOISY_STEP.rate}/s: quiet ${at(noisy.quiet)}; while one member floods: ${floods} (target p99 ≤ ${P99_LIMIT_MS})`
		);
	}
	if (presence) console.log(`  ${presenceSummary(presence)}`);
	if (!ONLY || ONLY === 'roster') printScaling(outcomes);

	const roster = outcomes.find((o) => o.name === BASELINE.name) ?? outcomes.find((o) => o !== relay);
	if (!roster || !relay) return;
	const ratio = relay.held > 0 ? (roster.held / relay.held).toFixed(2) : 'n/a';
	const caveat = roster.capped || relay.capped ? ' (a side held the top step, so this is a bound, not the true ratio)' : '';
	const at = (o: Outcome) => `${ms(o.steady.latency.observer!.p50)}/${ms(o.steady.latency.observer!.p99)} ms`;
	console.log(
		`\nratio (roster ${roster.name} max rate / relay max rate, both by the observer's p99): ${ratio}${caveat}; ` +
			`observer p50/p99 at ${STEADY.rate}/s: roster ${at(roster)} (verdict ${ms(roster.steady.latency.verdict!.p50)}/${ms(roster.steady.latency.verdict!.p99)} ms), relay ${at(relay)}`
	);
}

function rates(list: string | undefined): number[] | undefined {
	const parsed = list?.split(',').map(Number);
	return parsed && parsed.length > 0 && parsed.every((r) => Number.isFinite(r) && r > 0) ? parsed : undefined;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		void cleanUp().finally(() => process.exit(130));
	});
}
const watchdog = setTimeout(() => {
	console.error(`bench: still running after ${WATCHDOG_MS / 60_000} minutes; stopping`);
	void cleanUp().finally(() => process.exit(2));
}, WATCHDOG_MS);
watchdog.unref();

try {
	await main();
} catch (err) {
	console.error('bench failed:', err);
	process.exitCode = 1;
} finally {
	await cleanUp();
}
