import { accessReport, type AccessReport, type Moment } from './history-report.ts';
import { ReplayState } from './history-state.ts';
import type { Change } from './model.ts';

/**
 * rules §2 "History": an organization as it was at any moment, rebuilt from its durable log (every
 * accepted mutation's changes, in commit order, each batch with when it was committed and each
 * entry with who sent it): exact to the mutation, not sampled. Batches logged before times were
 * kept have none: they come before every timed one, and the history starts at the first timed one.
 */

/** One entry of a committed batch: one mutation's changes (type '' for the server's), its sender ('' the server) and id. */
export interface LoggedEntry {
	type: string;
	changes: Change[];
	by?: string;
	id?: string;
}

/** One committed batch of an organization's log, numbered by its sequence, and when it was committed. */
export interface LoggedChanges {
	seq: number;
	at?: number;
	entries: LoggedEntry[];
}

/** The mutation that made a change: its sender ('' the server), id, type, and when it was committed (null: before times were kept). */
export interface Attribution {
	by: string;
	mutationId: string;
	type: string;
	at: number | null;
	/** Where in the log: the batch's sequence and the entry's place in it. */
	seq: number;
	entry: number;
}

/** Reads the log's batches after a sequence, oldest first, a page at a time ([] once there are no more). */
export type ReadLog = (after: number) => Promise<LoggedChanges[]>;

/** How many of a batch's entries fall at or before the moment. */
function entriesWithin(batch: LoggedChanges, m: Moment): number {
	if ('at' in m) return batch.at === undefined || batch.at <= m.at ? batch.entries.length : 0;
	if (batch.seq < m.seq) return batch.entries.length;
	return batch.seq === m.seq ? Math.min(m.entries ?? Infinity, batch.entries.length) : 0;
}

/**
 * Replays an organization's log into a fresh state, moment after moment (each later than the one
 * before), reading each page once: what it holds is the state and one page.
 */
export class Replay {
	readonly state = new ReplayState();
	/** When the history starts: the first timed batch's time, once read. */
	since: number | undefined;
	/** The last batch applied (0: none). */
	seq = 0;
	private page: LoggedChanges[] = [];
	private next = 0;
	/** Entries of page[next] applied already (a sequence moment may stop inside a batch). */
	private done = 0;
	private readAfter = 0;
	private ended = false;
	/** While recording: the last mutation that wrote each row (rowKey). */
	private writers: Map<string, Attribution> | undefined;

	constructor(private readonly read: ReadLog) {}

	/** Whether a time lies before the first timed batch (nothing known of then), once replayed up to it. */
	beforeStart(m: Moment): boolean {
		return 'at' in m && (this.since === undefined || m.at < this.since);
	}

	/** From now on, notes which mutation last wrote each row (what a diff's attribution reads). */
	record(): ReadonlyMap<string, Attribution> {
		this.writers = new Map();
		return this.writers;
	}

	/** Applies every logged entry up to the moment. */
	async to(m: Moment): Promise<this> {
		for (;;) {
			const batch = await this.peek();
			if (!batch) return this;
			if (batch.at !== undefined) this.since ??= batch.at;
			const upTo = entriesWithin(batch, m);
			if (upTo <= this.done) return this;
			for (const [i, entry] of batch.entries.slice(this.done, upTo).entries()) this.apply(batch, entry, this.done + i);
			this.seq = batch.seq;
			this.done = upTo;
			if (upTo < batch.entries.length) return this;
			this.next++;
			this.done = 0;
		}
	}

	private apply(batch: LoggedChanges, entry: LoggedEntry, index: number) {
		const written = this.state.apply(entry.changes);
		if (!this.writers) return;
		const by: Attribution = {
			by: entry.by ?? '',
			mutationId: entry.id ?? '',
			type: entry.type,
			at: batch.at ?? null,
			seq: batch.seq,
			entry: index
		};
		for (const key of written) this.writers.set(key, by);
	}

	private async peek(): Promise<LoggedChanges | undefined> {
		if (this.next < this.page.length) return this.page[this.next];
		if (this.ended) return undefined;
		this.page = await this.read(this.readAfter);
		this.next = 0;
		this.done = 0;
		if (!this.page.length) {
			this.ended = true;
			return undefined;
		}
		this.readAfter = this.page.at(-1)!.seq;
		return this.page[0];
	}
}

/** The access report at a moment, or why there is none (the moment lies before the history starts). */
export async function reportAt(
	read: ReadLog,
	m: Moment
): Promise<{ report: AccessReport; replay: Replay } | { beforeStart: number | null }> {
	const replay = await new Replay(read).to(m);
	if (replay.beforeStart(m)) return { beforeStart: replay.since ?? null };
	return { report: accessReport(replay.state, { moment: m, seq: replay.seq, since: replay.since ?? null }), replay };
}
