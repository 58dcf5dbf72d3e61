/**
 * `npm run bench`: the DESIGN.md "Targets" load against Roster's sync server and, in the same run,
 * against the plain `@y/websocket-server` relay. Prints figures; asserts nothing.
 *
 * Load: one organization (one room), 100 connected websocket clients of which 10 write, an
 * open-loop total rate. Each server runs in its own child process on 127.0.0.1; the clients run here.
 *   Roster: send `member.setRole` → verdict ok (checked, applied, committed with fsync, broadcast, acked).
 *   Relay:  writer sends a y-websocket update (one Y.Map set) → the observer client has applied it.
 *
 * Knobs (for investigation; the defaults are the DESIGN.md load):
 *   BENCH_RATES=200,500,…   the rate-search steps
 *   BENCH_ONLY=roster|relay|noisy one part only
 *
 * The throughput runs raise Roster's per-user frame budget (--frames-per-second): its 10 writers stand
 * in for many people, each sending hundreds of mutations a second. The noisy-neighbour step then runs
 * with the default budget: one member floods its socket (junk, refused and accepted mutations) while
 * another sends 50 mutations/s, whose round trip is printed beside the quiet figure.
 *   BENCH_CPU_PROF=<dir>    run the Roster server under `--cpu-prof` (a .cpuprofile is written on exit)
 */
import { cpus } from 'node:os';
import { runStep, sleep, type LoadTarget, type StepOptions, type StepResult } from './harness.ts';
import { noisyNeighbour, STEP as NOISY_STEP, type NoisyOutcome } from './noisy-neighbour.ts';
import { cleanUp } from './proc.ts';
import { startRelay } from './relay-load.ts';
import { startRoster, type LoadShape } from './roster-load.ts';
import { latencyCells, ms, pct } from './stats.ts';

const SHAPE: LoadShape = { clients: 100, writers: 10, log: (line) => console.log(`  ${line}`) };
const STEADY: StepOptions = { rate: 200, warmupMs: 1000, durationMs: 5000, drainMs: 3000 };
const SEARCH_RATES = rates(process.env.BENCH_RATES) ?? [200, 500, 1000, 2000, 3000, 5000];
const SEARCH: Omit<StepOptions, 'rate'> = { warmupMs: 500, durationMs: 3000, drainMs: 3000 };
/** Each writer sends up to SEARCH_RATES' top / writers mutations a second: far above a person's budget. */
const THROUGHPUT_ARGS = ['--frames-per-second', '100000'];
/** A search step is held if its p99 is at most this and it achieved at least MIN_ACHIEVED of its rate. */
const P99_LIMIT_MS = 50;
const MIN_ACHIEVED = 0.9;
/** Pause after setup, so its aftermath (signup writes being flushed, GC) is not measured. */
const SETTLE_MS = 1500;
/** BENCH_ONLY=roster, relay or noisy runs one part only (for profiling); the ratio then needs both sides. */
const ONLY = process.env.BENCH_ONLY;
/** A hard stop, far above the expected ~1.5 minutes, so a wedged run cannot hang. */
const WATCHDOG_MS = 5 * 60_000;

interface Outcome {
	name: string;
	steady: StepResult;
	search: StepResult[];
	/** Highest search rate held with p99 ≤ limit and ≥ 90 % of the rate achieved (0 if none). */
	held: number;
	/** Whether the search stopped because it ran out of steps rather than at a failing one. */
	capped: boolean;
}

const COLUMNS: [string, number][] = [
	['rate/s', 7],
	['achieved/s', 11],
	['count', 7],
	['refused', 8],
	['lost', 6],
	['p50 ms', 8],
	['p99 ms', 8],
	['max ms', 8],
	['lag p99', 8],
	['srv CPU', 8],
	['bench CPU', 10],
	['other CPU', 10],
	['recv msg/s', 11],
	['', 6]
];

const header = () => COLUMNS.map(([h, w]) => h.padStart(w)).join(' ');

function row(r: StepResult): string {
	const cells = [
		String(r.rate),
		r.achieved.toFixed(0),
		String(r.latency.count),
		String(r.refused),
		String(r.lost),
		...latencyCells(r.latency),
		ms(r.lagP99),
		pct(r.serverCpu),
		pct(r.benchCpu),
		pct(r.otherCpu),
		r.receivedPerSec.toFixed(0),
		(held(r) ? 'ok' : 'FAIL') + (disturbed(r) ? '?' : '')
	];
	return cells.map((c, i) => c.padStart(COLUMNS[i]![1])).join(' ');
}

/** Other processes used a quarter of a core or more during the step: its figures are suspect. */
const disturbed = (r: StepResult) => (r.otherCpu ?? 0) >= 0.25;

const held = (r: StepResult) => r.latency.p99 <= P99_LIMIT_MS && r.achieved >= MIN_ACHIEVED * r.rate;

async function measure(name: string, start: (shape: LoadShape) => Promise<LoadTarget>): Promise<Outcome> {
	console.log(`\n== ${name}`);
	const target = await start(SHAPE);
	try {
		await sleep(SETTLE_MS);
		console.log(`  steady: ${STEADY.rate}/s for ${STEADY.durationMs / 1000} s after ${STEADY.warmupMs / 1000} s warm-up`);
		console.log(`  ${header()}`);
		const steady = await runStep(target, STEADY);
		console.log(`  ${row(steady)}`);

		console.log(
			`  rate search: ${SEARCH.durationMs / 1000} s per step (+${SEARCH.warmupMs / 1000} s warm-up), stop at p99 > ${P99_LIMIT_MS} ms or < ${MIN_ACHIEVED * 100}% achieved`
		);
		console.log(`  ${header()}`);
		const search: StepResult[] = [];
		let best = 0;
		for (const rate of SEARCH_RATES) {
			await sleep(500);
			const r = await runStep(target, { ...SEARCH, rate });
			search.push(r);
			console.log(`  ${row(r)}`);
			if (!held(r)) break;
			best = rate;
		}
		return { name, steady, search, held: best, capped: best === SEARCH_RATES[SEARCH_RATES.length - 1] };
	} finally {
		await target.close();
	}
}

async function main() {
	console.log(
		`Roster bench: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}; ` +
			`${SHAPE.clients} clients (${SHAPE.writers} writers), one org/room, open loop`
	);
	console.log(
		'  latency: roster = send → verdict ok (checked, durable, broadcast, acked); relay = writer send → observer applied.\n' +
			'  lag p99 = how late the bench sent vs its schedule; CPU = share of one core used by the server child, by this\n' +
			'  process, and by everything else on the machine (high "other CPU" means the figures are disturbed);\n' +
			'  recv msg/s = websocket messages received by all 100 clients together.'
	);
	const roster =
		ONLY && ONLY !== 'roster'
			? undefined
			: await measure('Roster sync server (validated, durable)', (shape) => startRoster(shape, THROUGHPUT_ARGS));
	const relay = ONLY && ONLY !== 'relay' ? undefined : await measure('@y/websocket-server 0.1.1 (plain relay, in memory)', startRelay);
	let noisy: NoisyOutcome | undefined;
	if (!ONLY || ONLY === 'noisy') {
		console.log('\n== Noisy neighbour (Roster, default per-user budget)');
		noisy = await noisyNeighbour(SHAPE.log);
	}

	console.log('\n== Summary');
	const w = 44;
	const line = (label: string, f: (o: Outcome) => string) =>
		console.log(`  ${label.padEnd(w)} ${[roster, relay].map((o) => (o ? f(o) : '-').padStart(10)).join(' ')}`);
	console.log(`  ${''.padEnd(w)} ${'roster'.padStart(10)} ${'relay'.padStart(10)}`);
	line(`p50 at ${STEADY.rate}/s (ms)`, (o) => ms(o.steady.latency.p50));
	line(`p99 at ${STEADY.rate}/s (ms)`, (o) => ms(o.steady.latency.p99));
	line(`max at ${STEADY.rate}/s (ms)`, (o) => ms(o.steady.latency.max));
	line(`count / refused / lost at ${STEADY.rate}/s`, (o) => `${o.steady.latency.count}/${o.steady.refused}/${o.steady.lost}`);
	line(`highest rate held, p99 ≤ ${P99_LIMIT_MS} ms (/s)`, (o) => (o.capped ? `≥${o.held}` : String(o.held)));
	const all = [roster, relay].flatMap((o) => (o ? [o.steady, ...o.search] : []));
	if (all.some(disturbed)) {
		console.log('  ? = other processes used ≥ 25% of a core during that step; rerun on a quiet machine to trust it');
	}
	if (noisy) {
		const at = (r: StepResult) => `${ms(r.latency.p50)}/${ms(r.latency.p99)}`;
		const floods = noisy.flooded.map((f) => `${f.kind} ${at(f.result)}`).join(', ');
		console.log(
			`  other member's p50/p99 (ms) at ${NOISY_STEP.rate}/s: quiet ${at(noisy.quiet)}; while one member floods: ${floods} (target p99 ≤ ${P99_LIMIT_MS})`
		);
	}
	if (!roster || !relay) return;

	const ratio = relay.held > 0 ? (roster.held / relay.held).toFixed(2) : 'n/a';
	const caveat = roster.capped || relay.capped ? ' (a side held the top step, so this is a bound, not the true ratio)' : '';
	const at = (o: Outcome) => `${ms(o.steady.latency.p50)}/${ms(o.steady.latency.p99)} ms`;
	console.log(
		`\nratio (roster max rate / relay max rate): ${ratio}${caveat}; ` +
			`p50/p99 at ${STEADY.rate}/s: roster ${at(roster)}, relay ${at(relay)}`
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
