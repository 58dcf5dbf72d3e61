import { performance } from 'node:perf_hooks';
import { machineCpuSeconds, ownCpuSeconds } from './proc.ts';
import { summarize, type Summary } from './stats.ts';

/** Where a change's latency ends: the writer's verdict, or a passive observer (another member's connection) having applied it. */
export type Measure = 'verdict' | 'observer';

/**
 * Called once per change, when it is complete: when it was handed to the socket, whether it was
 * accepted, and when (performance.now(), this process's clock) each of the target's measures saw it.
 * A refused change is never observed; an accepted one lacking a measure counts as lost for it.
 */
export type Done = (sentAt: number, ok: boolean, at: Partial<Record<Measure, number>>) => void;

/** A system under load, seen from its clients. */
export interface LoadTarget {
	readonly name: string;
	/** Number of writing clients; writer indexes are 0 … writers-1. */
	readonly writers: number;
	/** What this target's latency is measured to (the relay has no verdict). */
	readonly measures: readonly Measure[];
	/** Sends one change from a writer; `done` is called when the change is measured as complete. */
	send(writer: number, done: Done): void;
	/** Messages received so far by all clients together (fan-out as the clients see it). */
	received(): number;
	/** CPU seconds used so far by the server processes together. */
	serverCpu(): number | undefined;
	close(): Promise<void>;
}

export interface StepOptions {
	/** Total changes per second, over all writers. */
	rate: number;
	/** Sent at the same rate before the measured window, not measured. */
	warmupMs: number;
	durationMs: number;
	/** How long to wait after the last send for outstanding changes before counting them lost. */
	drainMs: number;
}

export interface StepResult {
	rate: number;
	/** Measured changes completed per second over the measured window (stretched if completions lag). */
	achieved: number;
	/** Per measure of the target; a lost change counts as Infinity. */
	latency: Partial<Record<Measure, Summary>>;
	refused: number;
	lost: number;
	/** 99th percentile of how late the bench handed a change to its socket, vs the schedule (ms). */
	lagP99: number;
	/** CPU used by the servers and by this process over the measured window, as a share of one core. */
	serverCpu: number | undefined;
	benchCpu: number;
	/** CPU used by everything else on the machine (other processes, kernel threads): a sign of interference. */
	otherCpu: number | undefined;
	/** Messages received by all clients per second over the measured window. */
	receivedPerSec: number;
}

/**
 * One open-loop run: change k is due at start + k/rate whatever happened to earlier ones,
 * and goes to writer k mod writers. Each tick sends every change that is due, then sleeps
 * (setTimeout) until the next one, or yields (setImmediate) if it is due within a millisecond.
 */
export function runStep(target: LoadTarget, opts: StepOptions): Promise<StepResult> {
	const interval = 1000 / opts.rate;
	const total = Math.round((opts.rate * (opts.warmupMs + opts.durationMs)) / 1000);
	const firstMeasured = Math.round((opts.rate * opts.warmupMs) / 1000);
	const measuredCount = total - firstMeasured;
	const start = performance.now() + 5;
	const measureStart = start + firstMeasured * interval;

	const latencies = new Map<Measure, number[]>(target.measures.map((m) => [m, []]));
	let completed = 0;
	const lags: number[] = [];
	let refused = 0;
	let outstanding = 0;
	let lastDone = measureStart;
	let k = 0;
	let cpu0 = { server: target.serverCpu(), bench: 0, machine: machineCpuSeconds(), received: 0, at: 0 };

	return new Promise((resolve) => {
		let finished = false;
		let drainTimer: NodeJS.Timeout | undefined;

		const finish = () => {
			if (finished) return;
			finished = true;
			if (drainTimer) clearTimeout(drainTimer);
			const at = performance.now();
			const window = Math.max(opts.durationMs, lastDone - measureStart);
			const lost = measuredCount - completed;
			const latency: StepResult['latency'] = {};
			for (const [measure, values] of latencies) {
				for (let i = 0; i < lost; i++) values.push(Infinity);
				latency[measure] = summarize(values);
			}
			const elapsed = (at - cpu0.at) / 1000;
			const server = delta(target.serverCpu(), cpu0.server);
			const bench = ownCpuSeconds() - cpu0.bench;
			const machine = delta(machineCpuSeconds(), cpu0.machine);
			lags.sort((a, b) => a - b);
			resolve({
				rate: opts.rate,
				achieved: ((measuredCount - lost) * 1000) / window,
				latency,
				refused,
				lost,
				lagP99: lags[Math.max(0, Math.ceil(lags.length * 0.99) - 1)] ?? NaN,
				serverCpu: server === undefined ? undefined : server / elapsed,
				benchCpu: bench / elapsed,
				otherCpu: machine === undefined || server === undefined ? undefined : Math.max(0, machine - server - bench) / elapsed,
				receivedPerSec: ((target.received() - cpu0.received) * 1000) / (at - cpu0.at)
			});
		};

		const sendOne = (index: number) => {
			const measured = index >= firstMeasured;
			if (measured) lags.push(performance.now() - (start + index * interval));
			outstanding++;
			target.send(index % target.writers, (sentAt, ok, at) => {
				outstanding--;
				if (finished) return;
				if (measured) {
					completed++;
					for (const [measure, values] of latencies) {
						const seen = at[measure];
						if (seen !== undefined) values.push(seen - sentAt);
						else if (ok) values.push(Infinity);
					}
					if (!ok) refused++;
					lastDone = performance.now();
				}
				if (k >= total && outstanding === 0) finish();
			});
		};

		const tick = () => {
			const now = performance.now();
			while (k < total && start + k * interval <= now) {
				if (k === firstMeasured) {
					cpu0 = {
						server: target.serverCpu(),
						bench: ownCpuSeconds(),
						machine: machineCpuSeconds(),
						received: target.received(),
						at: performance.now()
					};
				}
				sendOne(k++);
			}
			if (k >= total) {
				if (outstanding === 0) finish();
				else drainTimer = setTimeout(finish, opts.drainMs);
				return;
			}
			const wait = start + k * interval - performance.now();
			if (wait >= 1) setTimeout(tick, Math.floor(wait));
			else setImmediate(tick);
		};
		setTimeout(tick, 5);
	});
}

const delta = (now: number | undefined, then: number | undefined) => (now === undefined || then === undefined ? undefined : now - then);

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));
