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
 * Frames from one socket, handled within its budget: while it is spent the socket is not read,
 * and frames that had already been read wait their turn; far too many waiting closes it.
 */
export class Inbox {
	private waiting: Frame[] = [];
	private waitingBytes = 0;
	private timer: NodeJS.Timeout | undefined;
	private closed = false;

	constructor(
		private readonly budget: Budget,
		private readonly io: InboxIo
	) {}

	push(frame: Frame) {
		if (this.closed) return;
		if (!this.waiting.length && this.budget.ready()) return this.handle(frame);
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
		clearTimeout(this.timer);
		this.waiting = [];
		this.waitingBytes = 0;
	}

	private handle(frame: Frame) {
		this.budget.charge(1, sizeOf(frame));
		this.io.handle(frame);
		if (!this.closed && !this.budget.ready()) this.later();
	}

	/** Stops reading until the budget holds again, then handles what waits. */
	private later() {
		if (this.timer) return;
		this.io.pause();
		this.timer = setTimeout(() => this.drain(), this.budget.waitMs());
	}

	private drain() {
		this.timer = undefined;
		while (!this.closed && this.waiting.length && this.budget.ready()) {
			const frame = this.waiting.shift()!;
			this.waitingBytes -= sizeOf(frame);
			this.handle(frame);
		}
		if (this.closed || this.timer) return;
		if (this.waiting.length || !this.budget.ready()) this.later();
		else this.io.resume();
	}
}
