import { performance } from 'node:perf_hooks';

/**
 * What one user's connections may ask of the server, so that a flood from one member cannot delay
 * the others' verdicts or grow the server's memory (docs/protocol.md, "Limits").
 */
export interface ConnectionLimits {
	/** Frames handled per second, sustained, and in a burst. */
	framesPerSecond: number;
	frameBurst: number;
	/** Bytes per second, sustained, and in a burst: frames received plus the sync answers they ask for. */
	bytesPerSecond: number;
	byteBurst: number;
	/** Frames already read while over budget wait, in order, up to this many (or waitingBytes); beyond, the socket is closed with 4429. */
	waitingFrames: number;
	waitingBytes: number;
	/** A connection with more than this still unsent when a frame is due is not reading: closed with 4408. */
	maxBufferedBytes: number;
	/** Open sockets per user; one more is closed with 4429 (each broadcast visits every socket, so their number is a cost to others). */
	socketsPerUser: number;
}

const MiB = 1024 * 1024;

/**
 * Far above what a person's console sends: a reconnect sends one step 1 per document, then its
 * queued mutations — a thousand made offline pass in one burst (DESIGN: replayed within 3 s).
 */
export const DEFAULT_LIMITS: ConnectionLimits = {
	framesPerSecond: 500,
	frameBurst: 2000,
	bytesPerSecond: MiB,
	byteBurst: 4 * MiB,
	waitingFrames: 2000,
	waitingBytes: 4 * MiB,
	maxBufferedBytes: 8 * MiB,
	socketsPerUser: 32
};

/**
 * A token bucket that may go into debt: anything is allowed while the level is positive, so a
 * single cost larger than the burst (a 1 MiB frame, a large document) still passes, and is paid back.
 */
export class TokenBucket {
	private level: number;
	private at: number;
	constructor(
		private readonly perSecond: number,
		private readonly burst: number,
		now: number
	) {
		this.level = burst;
		this.at = now;
	}

	private refill(now: number) {
		this.level = Math.min(this.burst, this.level + ((now - this.at) * this.perSecond) / 1000);
		this.at = now;
	}

	ready(now: number): boolean {
		this.refill(now);
		return this.level > 0;
	}

	take(cost: number, now: number) {
		this.refill(now);
		this.level -= cost;
	}

	msUntilFull(now: number): number {
		this.refill(now);
		return Math.ceil(((this.burst - this.level) * 1000) / this.perSecond);
	}

	/** Milliseconds until ready() holds again. */
	waitMs(now: number): number {
		this.refill(now);
		return this.level > 0 ? 0 : Math.ceil(((-this.level + 1e-9) * 1000) / this.perSecond);
	}
}

/** A user's frame and byte buckets, shared by its connections. */
export class Budget {
	private readonly frames: TokenBucket;
	private readonly bytes: TokenBucket;
	constructor(
		readonly limits: ConnectionLimits,
		/** A real clock, even where the hub's is simulated: budgets refill in real time. */
		private readonly now: () => number = () => performance.now()
	) {
		this.frames = new TokenBucket(limits.framesPerSecond, limits.frameBurst, now());
		this.bytes = new TokenBucket(limits.bytesPerSecond, limits.byteBurst, now());
	}

	ready(): boolean {
		const now = this.now();
		return this.frames.ready(now) && this.bytes.ready(now);
	}

	charge(frames: number, bytes: number) {
		const now = this.now();
		this.frames.take(frames, now);
		this.bytes.take(bytes, now);
	}

	waitMs(): number {
		const now = this.now();
		return Math.max(this.frames.waitMs(now), this.bytes.waitMs(now));
	}

	/** Milliseconds until both buckets are full again: until then a fresh budget would be a gift. */
	msUntilFull(): number {
		const now = this.now();
		return Math.max(this.frames.msUntilFull(now), this.bytes.msUntilFull(now));
	}
}

/**
 * Each user's budget, shared by its connections and its HTTP writes. Reconnecting does not
 * refill it: a user without connections is forgotten only once its budget is full again.
 */
export class UserBudgets {
	private readonly budgets = new Map<string, Budget>();
	/** Users whose budget waits (one timer each) to be forgotten once full. */
	private readonly forgetting = new Set<string>();

	constructor(
		readonly limits: ConnectionLimits,
		private readonly connected: (userId: string) => boolean
	) {}

	of(userId: string): Budget {
		let budget = this.budgets.get(userId);
		if (!budget) this.budgets.set(userId, (budget = new Budget(this.limits)));
		return budget;
	}

	/** Forgets a user's budget once it is full, unless the user has connections again. */
	release(userId: string) {
		const budget = this.budgets.get(userId);
		if (!budget || this.forgetting.has(userId) || this.connected(userId)) return;
		const wait = budget.msUntilFull();
		if (wait <= 0) return void this.budgets.delete(userId);
		this.forgetting.add(userId);
		setTimeout(() => {
			this.forgetting.delete(userId);
			this.release(userId);
		}, wait).unref();
	}

	/** One frame for an HTTP write: milliseconds to wait when the budget is spent (nothing charged), else 0. */
	spend(userId: string): number {
		const budget = this.of(userId);
		const wait = budget.waitMs();
		if (wait > 0) return wait;
		budget.charge(1, 0);
		this.release(userId);
		return 0;
	}
}

type Frame = string | Uint8Array;

/** What an inbox does with its socket. */
export interface InboxIo {
	handle(frame: Frame): void;
	/** Stop reading the socket (ws `pause()`): the sender meets TCP backpressure, the server spends nothing on it. */
	pause(): void;
	resume(): void;
	/** Too many frames waited: close the socket (4429). */
	overflow(): void;
}

const sizeOf = (frame: Frame) => (typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength);

/**
 * Frames handled from one socket per turn of the event loop; the rest wait for the next turn, so
 * a socket that delivers thousands of frames in one read cannot hold the loop from the others
 * and from the group commit (ws itself reads synchronously, which keeps throughput high).
 */
export const FRAMES_PER_TURN = 16;

/**
 * Frames from one socket, handled within its budget and a few per turn: while it is spent the
 * socket is not read, and frames that had already been read wait their turn; far too many
 * waiting closes it.
 */
export class Inbox {
	private waiting: Frame[] = [];
	private waitingBytes = 0;
	/** The drain to come: on the next turn, or once the budget has refilled. */
	private scheduled: (() => void) | undefined;
	/** Frames handled this turn; reset at the start of the next. */
	private turn = 0;
	private closed = false;

	constructor(
		private readonly budget: Budget,
		private readonly io: InboxIo
	) {}

	push(frame: Frame) {
		if (this.closed) return;
		if (!this.waiting.length && this.turn < FRAMES_PER_TURN && this.budget.ready()) return this.handle(frame);
		this.waiting.push(frame);
		this.waitingBytes += sizeOf(frame);
		const { waitingFrames, waitingBytes } = this.budget.limits;
		if (this.waiting.length > waitingFrames || this.waitingBytes > waitingBytes) {
			this.close();
			return this.io.overflow();
		}
		this.later();
	}

	/** Drops whatever waits: the socket is gone. */
	close() {
		this.closed = true;
		this.scheduled?.();
		this.scheduled = undefined;
		this.waiting = [];
		this.waitingBytes = 0;
	}

	private handle(frame: Frame) {
		if (this.turn++ === 0) setImmediate(() => (this.turn = 0));
		this.budget.charge(1, sizeOf(frame));
		this.io.handle(frame);
		if (!this.closed && !this.budget.ready()) this.later();
	}

	/** Stops reading until the next turn, or until the budget holds again, then handles what waits. */
	private later() {
		if (this.scheduled) return;
		this.io.pause();
		const wait = this.budget.waitMs();
		if (wait > 0) {
			const timer = setTimeout(() => this.drain(), wait);
			this.scheduled = () => clearTimeout(timer);
		} else {
			const immediate = setImmediate(() => this.drain());
			this.scheduled = () => clearImmediate(immediate);
		}
	}

	private drain() {
		this.scheduled = undefined;
		this.turn = 0;
		while (!this.closed && this.waiting.length && this.turn < FRAMES_PER_TURN && this.budget.ready()) {
			const frame = this.waiting.shift()!;
			this.waitingBytes -= sizeOf(frame);
			this.handle(frame);
		}
		if (this.closed || this.scheduled) return;
		if (this.waiting.length || !this.budget.ready()) this.later();
		else this.io.resume();
	}
}
