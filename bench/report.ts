/** The tables and summary lines of `npm run bench` (bench/run.ts). */
import { cpus } from 'node:os';
import type { Measure, StepResult } from './harness.ts';
import { ms, pct, type Summary } from './stats.ts';

/** A step is held if its observer p99 is at most this and it achieved at least MIN_ACHIEVED of its rate. */
export const P99_LIMIT_MS = 50;
const MIN_ACHIEVED = 0.9;

export interface Outcome {
	/** The scenario's name, or 'relay'. */
	name: string;
	steady: StepResult;
	search: StepResult[];
	/** Highest search rate held by the observer's p99 (0 if none): what the search stops at and compares. */
	held: number;
	/** Highest rate held by the verdict's p99, among the steps the search ran (undefined for the relay). */
	heldByVerdict: number | undefined;
	/** Whether the search stopped because it ran out of steps rather than at a failing one. */
	capped: boolean;
}

const COLUMNS: [string, number][] = [
	['rate/s', 7],
	['achieved/s', 11],
	['count', 7],
	['refused', 8],
	['lost', 6],
	['verdict p50', 12],
	['p99', 6],
	['observer p50', 13],
	['p99', 6],
	['max', 6],
	['lag p99', 8],
	['srv CPU', 8],
	['bench CPU', 10],
	['other CPU', 10],
	['recv msg/s', 11],
	['', 6]
];

export const header = () => COLUMNS.map(([h, w]) => h.padStart(w)).join(' ');

export function row(r: StepResult): string {
	const { verdict, observer } = r.latency;
	const cells = [
		String(r.rate),
		r.achieved.toFixed(0),
		String(observer?.count ?? '-'),
		String(r.refused),
		String(r.lost),
		verdict ? ms(verdict.p50) : '-',
		verdict ? ms(verdict.p99) : '-',
		observer ? ms(observer.p50) : '-',
		observer ? ms(observer.p99) : '-',
		observer ? ms(observer.max) : '-',
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
export const disturbed = (r: StepResult) => (r.otherCpu ?? 0) >= 0.25;

export const held = (r: StepResult, measure: Measure = 'observer') =>
	(r.latency[measure]?.p99 ?? Infinity) <= P99_LIMIT_MS && r.achieved >= MIN_ACHIEVED * r.rate;

/** The highest rate of the leading run of held steps. */
export function highestHeld(steps: StepResult[], measure: Measure): number {
	let best = 0;
	for (const r of steps) {
		if (!held(r, measure)) break;
		best = r.rate;
	}
	return best;
}

const p50p99 = (s: Summary | undefined) => (s ? `${ms(s.p50)}/${ms(s.p99)}` : '-');

/** The summary table (one column per scenario, the relay last) and the lines that compare them. */
export function printSummary(outcomes: Outcome[], steadyRate: number) {
	const w = 46;
	const cols = outcomes.map((o) => Math.max(11, o.name.length));
	const line = (label: string, f: (o: Outcome) => string) =>
		console.log(`  ${label.padEnd(w)} ${outcomes.map((o, i) => f(o).padStart(cols[i]!)).join(' ')}`);
	console.log(`  ${''.padEnd(w)} ${outcomes.map((o, i) => o.name.padStart(cols[i]!)).join(' ')}`);
	const bound = (o: Outcome, rate: number | undefined) => (rate === undefined ? '-' : o.capped ? `≥${rate}` : String(rate));
	line(`verdict p50/p99 at ${steadyRate}/s (ms)`, (o) => p50p99(o.steady.latency.verdict));
	line(`observer p50/p99 at ${steadyRate}/s (ms)`, (o) => p50p99(o.steady.latency.observer));
	line(`observer max at ${steadyRate}/s (ms)`, (o) => ms(o.steady.latency.observer?.max ?? NaN));
	line(`count / refused / lost at ${steadyRate}/s`, (o) => `${o.steady.latency.observer?.count ?? 0}/${o.steady.refused}/${o.steady.lost}`);
	line(`highest rate held, observer p99 ≤ ${P99_LIMIT_MS} ms (/s)`, (o) => bound(o, o.held));
	line(`  the same by the verdict's p99 (/s)`, (o) => bound(o, o.heldByVerdict));
	if (outcomes.some((o) => [o.steady, ...o.search].some(disturbed))) {
		console.log('  ? = other processes used ≥ 25% of a core during that step; rerun on a quiet machine to trust it');
	}
}

/** The cores line and the scaling quotients: 2 and 3 instances vs 1 on PostgreSQL, for one organization and for thirty. */
export function printScaling(outcomes: Outcome[]) {
	console.log(
		`\nmachine: ${cpus().length} cores; the many-instance figures are bounded by the cores (every instance, the database and the bench's clients share them), not by Roster's design`
	);
	const byName = new Map(outcomes.map((o) => [o.name, o]));
	for (const [orgs, label] of [
		[1, 'one organization'],
		[30, 'thirty organizations']
	] as const) {
		const one = byName.get(`pg-1x${orgs}`);
		const quotients = [2, 3].map((n) => {
			const many = byName.get(`pg-${n}x${orgs}`);
			if (!one || !many) return `${n} instances not measured`;
			const q = one.held > 0 ? (many.held / one.held).toFixed(2) : 'n/a';
			return `${n} instances ${q} (${many.held}/s vs ${one.held}/s${one.capped || many.capped ? ', a side held the top step: a bound' : ''})`;
		});
		console.log(
			`scaling, ${label} on PostgreSQL (highest rate held, observer p99 ≤ ${P99_LIMIT_MS} ms, vs one instance): ${quotients.join('; ')}`
		);
	}
}
