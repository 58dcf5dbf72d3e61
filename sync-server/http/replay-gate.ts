import { HttpError } from './types.ts';

/** Replays built at once across the server: each holds a rebuilt organization in memory and a core busy between pages. */
export const REPLAYS_AT_ONCE = 2;
/** Replays waiting for their turn before more are turned away, across the server and for one organization. */
export const REPLAYS_WAITING = 16;
export const REPLAYS_WAITING_PER_ORG = 4;

interface Waiting {
	orgId: string;
	start: () => void;
}

/**
 * rules §2 "History": a replay reads an organization's whole log, so who may ask for one cannot make
 * the server do many. Each user has one at a time, each organization is replayed once at a time (a
 * second asker waits its turn), a few run across the server, and a bounded number wait, a few per
 * organization so that one organization's members cannot fill the line; beyond that the asker is told to try again.
 */
export class ReplayGate {
	private running = 0;
	private readonly orgs = new Set<string>();
	private readonly users = new Set<string>();
	private readonly queue: Waiting[] = [];

	async run<T>(userId: string, orgId: string, work: () => Promise<T>): Promise<T> {
		if (this.users.has(userId)) throw busy('A history report you asked for is still being built: wait for it before asking for another.');
		const waitingHere = this.queue.filter((w) => w.orgId === orgId).length;
		if (this.queue.length >= REPLAYS_WAITING || waitingHere >= REPLAYS_WAITING_PER_ORG) {
			throw busy('Too many history reports are being built right now: try again in a moment.');
		}
		this.users.add(userId);
		try {
			await new Promise<void>((start) => {
				this.queue.push({ orgId, start });
				this.next();
			});
			try {
				return await work();
			} finally {
				this.running--;
				this.orgs.delete(orgId);
				this.next();
			}
		} finally {
			this.users.delete(userId);
		}
	}

	/** Starts what may start: oldest first, skipping organizations already being replayed. */
	private next() {
		for (let i = 0; i < this.queue.length && this.running < REPLAYS_AT_ONCE;) {
			const waiting = this.queue[i]!;
			if (this.orgs.has(waiting.orgId)) {
				i++;
				continue;
			}
			this.queue.splice(i, 1);
			this.running++;
			this.orgs.add(waiting.orgId);
			waiting.start();
		}
	}
}

const busy = (message: string) => new HttpError(429, 'RATE_LIMITED', message, { 'retry-after': '1' });

const gates = new WeakMap<object, ReplayGate>();

/** The gate of one server (its deps): servers sharing a process, as tests run them, do not share one. */
export function replayGate(deps: object): ReplayGate {
	let gate = gates.get(deps);
	if (!gate) gates.set(deps, (gate = new ReplayGate()));
	return gate;
}
