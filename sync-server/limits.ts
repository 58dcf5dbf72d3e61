/**
 * What limits people (failed attempts, mails sent) and what runs once (the billing run), across
 * every server sharing a store: in memory for one process over SQLite; in PostgreSQL
 * (storage/postgres/pg-limits.ts) for several servers on one database, so a limit is not
 * multiplied by the number of servers. (A socket's frame budget, budget.ts, stays per process:
 * it protects that process's event loop.)
 */
export interface Limits {
	limiter: MakeLimiter;
	jobs: JobLocks;
}

/** A limiter named for what it counts (one store holds them all): at most `max` counts per key in a fixed window of `windowMs`. */
export type MakeLimiter = (name: string, max: number, windowMs: number) => Limiter;

/** A fixed-window counter per key. `now` is the caller's clock, so a test's clock drives it. */
export interface Limiter {
	/** Milliseconds until another attempt is allowed; 0 when allowed now. */
	retryAfter(key: string, now: number): Promise<number>;
	/** Counts one, even past the limit. */
	count(key: string, now: number): Promise<void>;
	/** Counts one if the window has room, in one step (two servers counting at once cannot both take the last one): 0, else what retryAfter says and nothing is counted. */
	take(key: string, now: number): Promise<number>;
	/** Attempts counted on `key` in its current window. */
	countOf(key: string, now: number): Promise<number>;
	clear(key: string): Promise<void>;
	/** Takes back one counted attempt (it succeeded). */
	forgive(key: string): Promise<void>;
}

/** Work that must not run twice at once anywhere, such as billing one organization. */
export interface JobLocks {
	/** Runs `work` holding `key`'s lock and resolves true; false, without running it, while another holds it. The lock is released after, also on error. */
	tryRun(key: string, work: () => Promise<void>): Promise<boolean>;
}

/** One process's limits (the SQLite store's): counters and locks in memory; a name made again is the same counter, as in a store. */
export function memoryLimits(): Limits {
	const byName = new Map<string, MemoryLimiter>();
	const limiter: MakeLimiter = (name, max, windowMs) => {
		if (!byName.has(name)) byName.set(name, new MemoryLimiter(max, windowMs));
		return byName.get(name)!;
	};
	return { limiter, jobs: new MemoryJobLocks() };
}

/**
 * Keys are chosen by strangers (names, addresses), so a key is forgotten once its window has
 * passed, and at most `maxKeys` are kept (the oldest window, the nearest to its end, goes first).
 */
export class MemoryLimiter implements Limiter {
	/** In order of window start: re-inserted when a window starts, so expired keys are at the front. */
	private readonly counts = new Map<string, { count: number; since: number }>();
	constructor(
		private readonly max: number,
		private readonly windowMs: number,
		private readonly maxKeys = 100_000
	) {}

	async retryAfter(key: string, now: number) {
		return this.waitFor(key, now);
	}

	async count(key: string, now: number) {
		this.add(key, now);
	}

	async take(key: string, now: number) {
		const wait = this.waitFor(key, now);
		if (wait === 0) this.add(key, now);
		return wait;
	}

	async countOf(key: string, now: number) {
		return windowCount(this.counts.get(key), now, this.windowMs);
	}

	async clear(key: string) {
		this.counts.delete(key);
	}

	async forgive(key: string) {
		const f = this.counts.get(key);
		if (f && f.count > 0) f.count--;
	}

	private waitFor(key: string, now: number): number {
		return windowWait(this.counts.get(key), now, this.max, this.windowMs);
	}

	private add(key: string, now: number) {
		const f = this.counts.get(key);
		if (f && now - f.since < this.windowMs) {
			f.count++;
			return;
		}
		this.counts.delete(key);
		this.counts.set(key, { count: 1, since: now });
		for (const [k, old] of this.counts) {
			if (now - old.since < this.windowMs && this.counts.size <= this.maxKeys) break;
			this.counts.delete(k);
		}
	}
}

/** A key's window: how many it counted since when. */
export interface Window {
	count: number;
	since: number;
}

/** What a window counted by `now` (0 once it has passed). */
export function windowCount(w: Window | undefined, now: number, windowMs: number): number {
	return !w || now - w.since >= windowMs ? 0 : w.count;
}

/** Milliseconds until a window with `max` counts has room (0: now). */
export function windowWait(w: Window | undefined, now: number, max: number, windowMs: number): number {
	if (!w || now - w.since >= windowMs) return 0;
	return w.count >= max ? w.since + windowMs - now : 0;
}

export class MemoryJobLocks implements JobLocks {
	private readonly held = new Set<string>();

	async tryRun(key: string, work: () => Promise<void>) {
		if (this.held.has(key)) return false;
		this.held.add(key);
		try {
			await work();
			return true;
		} finally {
			this.held.delete(key);
		}
	}
}

/**
 * Takes one on every (limiter, key), or on none: when one has no room, those already taken are
 * given back, and the answer is its index and wait (undefined: all taken).
 */
export async function takeAll(now: number, ...limits: [Limiter, string][]): Promise<{ index: number; wait: number } | undefined> {
	for (const [index, [limiter, key]] of limits.entries()) {
		const wait = await limiter.take(key, now);
		if (wait === 0) continue;
		for (const [taken, k] of limits.slice(0, index)) await taken.forgive(k);
		return { index, wait };
	}
	return undefined;
}
