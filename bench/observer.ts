/**
 * Roster's two latencies for one change: send → the writer's verdict, and send → a passive observer
 * (another member's connection, on another instance where there are several) has applied it to its
 * replica. Each writer renames its own team with a unique name (`t<writer>.<n>`), so the observer
 * knows which change it applied by the value it sees; both times are taken on this process's clock.
 */
import { performance } from 'node:perf_hooks';
import type WebSocket from 'ws';
import * as Y from 'yjs';
import { docMap } from '../src/lib/domain/index.ts';
import { decodeSyncFrame, SYNC_STEP2, SYNC_UPDATE } from '../src/lib/protocol/frames.ts';
import { toBuffer } from './clients.ts';
import type { Done } from './harness.ts';

export const teamName = (writer: number, n: number) => `t${writer}.${n}`;

/**
 * Keeps a replica of `docId` as a client does: applies the server's sync step 2 and every update
 * after it, and calls `seen` with each writer's sequence number in a team name that changed.
 * Returns the replica (its empty state vector is what the observer subscribes with).
 */
export function observeTeams(ws: WebSocket, docId: string, seen: (writer: number, n: number) => void): Y.Doc {
	const doc = new Y.Doc();
	const teams = docMap(doc, 'team');
	teams.observe((event) => {
		for (const key of event.keysChanged) {
			const tag = /^t(\d+)\.(\d+)$/.exec(teams.get(key)?.name ?? '');
			if (tag) seen(Number(tag[1]), Number(tag[2]));
		}
	});
	ws.on('message', (data, isBinary) => {
		if (!isBinary) return;
		const frame = decodeSyncFrame(toBuffer(data));
		if (frame.doc === docId && (frame.kind === SYNC_STEP2 || frame.kind === SYNC_UPDATE)) Y.applyUpdate(doc, frame.payload);
	});
	return doc;
}

interface Pending {
	n: number;
	sentAt: number;
	done: Done;
	ok?: boolean;
	verdictAt?: number;
	observedAt?: number;
	finished?: boolean;
}

/** The changes in flight, each writer's in send order; one is done when its verdict is in and, if accepted, it was observed. */
export class InFlight {
	private readonly queues: Pending[][];

	constructor(writers: number) {
		this.queues = Array.from({ length: writers }, () => []);
	}

	/** Records writer `w`'s change `n`; call the returned function with the verdict. */
	add(w: number, n: number, sentAt: number, done: Done): (ok: boolean) => void {
		const change: Pending = { n, sentAt, done };
		this.queues[w]!.push(change);
		return (ok) => {
			change.ok = ok;
			change.verdictAt = performance.now();
			finish(change);
		};
	}

	/**
	 * The observer applied writer `w`'s change `n`: the server applies a writer's changes in the
	 * order sent, so every earlier one of `w` is applied too (a group commit may merge them into one update).
	 */
	observed(w: number, n: number) {
		const at = performance.now();
		const queue = this.queues[w];
		while (queue?.[0] && queue[0].n <= n) {
			const change = queue.shift()!;
			change.observedAt = at;
			finish(change);
		}
	}
}

function finish(change: Pending) {
	if (change.finished || change.ok === undefined || (change.ok && change.observedAt === undefined)) return;
	change.finished = true;
	const at: Parameters<Done>[2] = { verdict: change.verdictAt! };
	if (change.observedAt !== undefined) at.observer = change.observedAt;
	change.done(change.sentAt, change.ok, at);
}
