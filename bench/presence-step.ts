/**
 * The presence step of `npm run bench` (issue 15: "presence of 100 admins on one organization does
 * not raise the mutation round trip at 200/s by more than 10%"): in one run, 100 owners of one
 * organization, all subscribed; the mutation round trip (send → verdict ok) at 200/s is measured
 * without presence, then while every one of them is present and moves its `editing` row (a new
 * state, so a relay to the 99 others) every 2 s, then without again. Prints figures; asserts nothing
 * (a high "other CPU", the rest of the machine, means the figures are disturbed).
 */
import { encodeSyncFrame, PRESENCE } from '../src/lib/protocol/frames.ts';
import { orgDocId } from '../src/lib/protocol/messages.ts';
import { encodeAwarenessUpdate } from '$lib/protocol/awareness.ts';
import { runStep, sleep, type StepOptions, type StepResult } from './harness.ts';
import { startRoster, type RosterTarget } from './roster-load.ts';
import { ms, pct } from './stats.ts';

const SHAPE = { clients: 100, writers: 10 };
export const STEP: StepOptions = { rate: 200, warmupMs: 1000, durationMs: 5000, drainMs: 3000 };
const MOVE_EVERY_MS = 2000;

export interface PresenceOutcome {
	without: StepResult[];
	with: StepResult;
	/** Presence frames the clients sent during the step with presence. */
	sent: number;
}

/** Every client present on the organization's document, each moving its row every MOVE_EVERY_MS (staggered). */
function present(target: RosterTarget) {
	const docId = orgDocId(target.orgId);
	const timers: ReturnType<typeof setTimeout>[] = [];
	const clocks = Array.from({ length: SHAPE.clients }, () => 0);
	let sent = 0;
	const send = (i: number, state: unknown) => {
		const ws = target.socket(i);
		if (ws.readyState !== ws.OPEN) return;
		ws.send(encodeSyncFrame(docId, PRESENCE, encodeAwarenessUpdate([{ clientId: i + 1, clock: ++clocks[i]!, state }])));
		sent++;
	};
	const move = (i: number) => {
		const row = target.userId((i + 1 + clocks[i]!) % SHAPE.clients);
		send(i, { view: 'members', editing: { what: 'memberRole', id: row } });
	};
	for (let i = 0; i < SHAPE.clients; i++) {
		move(i);
		const start = setTimeout(() => timers.push(setInterval(() => move(i), MOVE_EVERY_MS)), (i * MOVE_EVERY_MS) / SHAPE.clients);
		timers.push(start);
	}
	return {
		sent: () => sent,
		stop() {
			for (const t of timers) clearTimeout(t);
			for (let i = 0; i < SHAPE.clients; i++) send(i, null);
		}
	};
}

function row(what: string, r: StepResult): string {
	const v = r.latency.verdict!;
	return `${what.padEnd(18)} ${[
		ms(v.p50),
		ms(v.p95),
		ms(v.p99),
		String(v.count),
		String(r.lost),
		pct(r.serverCpu),
		pct(r.otherCpu),
		String(Math.round(r.receivedPerSec))
	]
		.map((c) => c.padStart(9))
		.join(' ')}`;
}

export async function presenceStep(log: (line: string) => void): Promise<PresenceOutcome> {
	const target = await startRoster({ ...SHAPE, log });
	try {
		await sleep(1500);
		log(
			`mutations: ${STEP.rate}/s for ${STEP.durationMs / 1000} s per step; presence: all ${SHAPE.clients} move their row every ${MOVE_EVERY_MS / 1000} s`
		);
		log(
			`${'presence'.padEnd(18)} ${['p50 ms', 'p95 ms', 'p99 ms', 'count', 'lost', 'srv CPU', 'other CPU', 'recv/s'].map((h) => h.padStart(9)).join(' ')}`
		);
		const before = await runStep(target, STEP);
		log(row('none', before));
		await sleep(500);
		const presence = present(target);
		// A full round of moves before measuring: every client present, every relay path warm.
		await sleep(MOVE_EVERY_MS);
		const during = await runStep(target, STEP);
		const sent = presence.sent();
		presence.stop();
		log(row(`100 present`, during));
		log(`(${sent} presence frames sent during that step, each relayed to the 99 others)`);
		await sleep(500);
		const after = await runStep(target, STEP);
		log(row('none (again)', after));
		return { without: [before, after], with: during, sent };
	} finally {
		await target.close();
	}
}

/** The summary line: with presence against the mean of the two runs without it. */
export function presenceSummary(o: PresenceOutcome): string {
	const mean = (pick: (r: StepResult) => number) => (pick(o.without[0]!) + pick(o.without[1]!)) / 2;
	const p50 = mean((r) => r.latency.verdict!.p50);
	const p95 = mean((r) => r.latency.verdict!.p95);
	const w = o.with.latency.verdict!;
	const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : 'n/a');
	return (
		`mutation round trip p50/p95 (ms) at ${STEP.rate}/s: without presence ${ms(p50)}/${ms(p95)}, with 100 present ${ms(w.p50)}/${ms(w.p95)}; ` +
		`ratio ${ratio(w.p50, p50)}/${ratio(w.p95, p95)} (target ≤ 1.10)`
	);
}
