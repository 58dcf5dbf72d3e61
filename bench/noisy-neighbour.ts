/**
 * The noisy-neighbour step of `npm run bench`: one member floods its own socket as fast as it
 * can while another member sends mutations at a steady rate; the other member's round trip
 * (send → verdict ok) is measured with and without the flood. The server runs with its default
 * per-user budget (docs/protocol.md, Limits). Prints figures; asserts nothing.
 */
import { runStep, sleep, type StepOptions, type StepResult } from './harness.ts';
import { startChild } from './proc.ts';
import { startRoster, type RosterTarget } from './roster-load.ts';
import { latencyCells, pct } from './stats.ts';

/** 20 owners in one organization, all subscribed; client 0 is the measured member, client 1 the one it changes. */
const SHAPE = { clients: 20, writers: 1 };
const FLOODER = 5;
export const STEP: StepOptions = { rate: 50, warmupMs: 1000, durationMs: 4000, drainMs: 3000 };

type Kind = 'junk' | 'refused' | 'valid';

interface Flood {
	stop(): Promise<{ sent: number; closes: string }>;
}

/** Starts bench/flooder.ts in its own process, flooding from the flooder's account; resolves once it is connected. */
async function flood(target: RosterTarget, kind: Kind): Promise<Flood> {
	const args = ['--import', 'tsx', 'bench/flooder.ts', target.url, target.cookie(FLOODER), kind, target.orgId, target.userId(FLOODER + 1)];
	const { child } = await startChild(`flooder (${kind})`, args, { ready: /flooding/ });
	return {
		async stop() {
			await child.stop();
			const stats = /flood sent (\d+) closes (\S+)/.exec(child.output());
			return { sent: Number(stats?.[1] ?? NaN), closes: stats?.[2] ?? '?' };
		}
	};
}

const COLUMNS: [string, number][] = [
	['flood', 10],
	['p50 ms', 8],
	['p99 ms', 8],
	['max ms', 8],
	['count', 7],
	['lost', 6],
	['srv CPU', 8],
	['other CPU', 10],
	['flood frames', 13],
	['closed by server', 18]
];

function row(kind: string, r: StepResult, flooded?: { sent: number; closes: string }): string {
	const cells = [
		kind,
		...latencyCells(r.latency.verdict!),
		String(r.latency.verdict!.count),
		String(r.lost),
		pct(r.serverCpu),
		pct(r.otherCpu),
		flooded ? String(flooded.sent) : '-',
		flooded ? flooded.closes : '-'
	];
	return cells.map((c, i) => (i === 0 ? c.padEnd(COLUMNS[i]![1]) : c.padStart(COLUMNS[i]![1]))).join(' ');
}

export interface NoisyOutcome {
	quiet: StepResult;
	flooded: { kind: Kind; result: StepResult }[];
}

export async function noisyNeighbour(log: (line: string) => void): Promise<NoisyOutcome> {
	const target = await startRoster({ ...SHAPE, log });
	try {
		await sleep(1500);
		log(
			`other member: ${STEP.rate} mutations/s for ${STEP.durationMs / 1000} s; flooder: one socket, as fast as the server reads it (reconnecting when closed)`
		);
		log(COLUMNS.map(([h, w], i) => (i === 0 ? h.padEnd(w) : h.padStart(w))).join(' '));
		const quiet = await runStep(target, STEP);
		log(row('none', quiet));
		const flooded: NoisyOutcome['flooded'] = [];
		for (const kind of ['junk', 'refused', 'valid'] as const) {
			await sleep(500);
			const running = await flood(target, kind);
			const result = await runStep(target, STEP);
			const stats = await running.stop();
			log(row(kind, result, stats));
			flooded.push({ kind, result });
		}
		return { quiet, flooded };
	} finally {
		await target.close();
	}
}
