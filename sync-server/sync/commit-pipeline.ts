import {
	NOT_A_MEMBER,
	parseMutation,
	batchPreview,
	checkBatch,
	PREVIEW_MAX_CHANGES,
	previewReadBy,
	type Change,
	type Mutation,
	type Preview
} from '$lib/domain/index.ts';
import type { OrgRoom } from '../org-room.ts';
import { mutationKey } from '../storage/documents.ts';
import type { CommittedBatch, Queued, Verdict, Waiter } from './committed-batch.ts';
import { namedUsers, namedUsersOfBatch, webhookLookup, type Accounts, type NamedUsers, type WebhookPolicy } from './directory.ts';
import { CommitStats } from './commit-stats.ts';
import { gone, laneOf, newEntry } from './commit-steps.ts';
import { commitBatch, readStale, verdictOf, type CommitDeps } from './store-commit.ts';

export interface PipelineDeps<W extends Waiter> extends CommitDeps {
	accounts: Accounts;
	/** Where a webhook being set goes, if the server refuses it (default: no address refused). */
	webhooks?: WebhookPolicy;
	now: () => number;
	/** Runs once a batch is durable, before it is published, while nothing new is checked (e.g. reading what publishing needs). */
	prepare: (batch: CommittedBatch<W>) => Promise<void>;
	/** Told each durable batch, in commit order; it tells the waiters (Waiter.settle) at its chosen moment. */
	publish: (batch: CommittedBatch<W>) => void;
	/** A commit failed; `dropped` are the organizations whose copies held what the store does not: they were let go, to be read again. */
	failed: (err: unknown, dropped: readonly OrgRoom[]) => void;
}

/**
 * Checks mutations with the domain and makes them durable in group commits (Zero's push: each
 * mutation is checked inside the store transaction that records it). A commit takes the write
 * locks of its organizations (one writer per organization across every server sharing the
 * store), brings this server's copy of each up to what is committed (what other servers wrote
 * meanwhile), checks and applies the queued mutations, and writes the updates, the mutation
 * records and the activity at once. Commits run one at a time. A verdict is given once per
 * mutation id and user: a retry waits for the first one's, or is answered from the store, also
 * when another server recorded it. It knows nothing of sockets.
 */
export class CommitPipeline<W extends Waiter> {
	private batch: Queued<W>[] = [];
	/** Organizations another server committed to: read again at the next commit. */
	private readonly stale = new Set<string>();
	private caughtUp: { orgId: string; resolve: () => void; reject: (err: unknown) => void }[] = [];
	private readonly inFlight = new Map<string, Queued<W>>();
	private flushScheduled = false;
	/** Set while a commit is under way: memory may hold what is not durable yet, so nothing is answered from it meanwhile. */
	private committing: Promise<void> | undefined;
	readonly stats = new CommitStats();

	constructor(private readonly deps: PipelineDeps<W>) {}

	/**
	 * Queues a mutation for the next commit (resolves once queued, in its organization's order); `waiter` is told the durable verdict.
	 * `by` says why the server sends it on the user's behalf, when the user did not (its activity entry says so).
	 */
	submit(userId: string, id: string, body: unknown, waiter: W, steppedUpAt?: number, by?: string): Promise<void> {
		const key = mutationKey({ userId, id });
		const inFlight = this.inFlight.get(key);
		// An entry whose senders all gave up (a failed commit closed them) is skipped: a resend starts afresh.
		if (inFlight && !gone(inFlight)) {
			inFlight.waiters.push(waiter);
			return Promise.resolve();
		}
		const sentType = (body as { type?: unknown } | null)?.type;
		const entry = newEntry<W>(userId, id, typeof sentType === 'string' ? sentType.slice(0, 64) : '?', waiter);
		if (by) entry.by = by;
		this.inFlight.set(key, entry);
		const parsed = parseMutation(body);
		const lookup = webhookLookup(parsed.ok ? parsed.mutation : undefined, this.deps.webhooks);
		const queue = (privateWebhook?: NamedUsers['privateWebhook']) =>
			this.deps.rooms.inLane(laneOf(body), () => this.prepare(entry, parsed, steppedUpAt, privateWebhook));
		return (lookup ? lookup.then(queue) : queue()).catch((err: unknown) => {
			// Not queued (the store failed): the id is free again, so a retry is checked afresh.
			this.forget(entry);
			for (const w of entry.waiters.slice(1)) w.fail?.(err);
			throw err;
		});
	}

	/** The verdict a mutation would get now against this server's copy, changing nothing (in its organization's lane, like a submitted one). */
	async check(userId: string, mutation: Mutation, steppedUpAt?: number): Promise<Verdict> {
		const privateWebhook = await webhookLookup(mutation, this.deps.webhooks);
		const verdict = await this.readCommitted(
			mutation.orgId,
			() => namedUsers(this.deps.accounts, userId, mutation, privateWebhook),
			(room, users) => verdictOf(this.deps, room, userId, mutation, users, steppedUpAt)
		);
		return !verdict ? NOT_A_MEMBER : verdict.ok ? { ok: true } : verdict;
	}

	/**
	 * What a batch of mutations by `userId` would change of whose access, checked in turn against this
	 * server's copy, changing nothing; only what `userId` may read of it (undefined: no such organization).
	 */
	async preview(
		userId: string,
		orgId: string,
		mutations: readonly Mutation[],
		steppedUpAt?: number
	): Promise<Preview | 'too large' | undefined> {
		const lookups = await Promise.all(mutations.map((m) => webhookLookup(m, this.deps.webhooks)));
		return this.readCommitted(
			orgId,
			() => namedUsersOfBatch(this.deps.accounts, userId, mutations, lookups.find(Boolean)),
			(room, users) =>
				this.deps.directory.with(users, () => {
					const now = this.deps.now();
					const batch = checkBatch(room.state, { actorId: userId, now, steppedUpAt }, mutations);
					if (batch.changes.length > PREVIEW_MAX_CHANGES) return 'too large' as const;
					return previewReadBy(room.state, batchPreview(room.state, now, batch), userId);
				})
		);
	}

	/** Reads this server's copy of an organization as committed (in its lane, once no commit is under way), with the users its checks may ask about. */
	private readCommitted<T>(
		orgId: string,
		users: () => Promise<NamedUsers>,
		read: (room: OrgRoom, users: NamedUsers) => T
	): Promise<T | undefined> {
		return this.deps.rooms.inLane(orgId, async () => {
			const named = await users();
			let room = await this.deps.rooms.load(orgId);
			await this.quiet();
			// The copy kept, not one a failed commit let go meanwhile.
			while (room && this.deps.rooms.get(room.orgId) !== room) {
				room = await this.deps.rooms.load(room.orgId);
				await this.quiet();
			}
			return room && read(room, named);
		});
	}

	/**
	 * Applies changes no user sent (a refreshed profile, an issued invoice) through the same
	 * group commit and publishing as a mutation; `waiter` is told once they are durable. Nothing
	 * is recorded in the activity feed: no one acted.
	 */
	applyServerChanges(orgId: string, changes: readonly Change[], waiter: W): Promise<void> {
		return this.deps.rooms.inLane(orgId, async () => {
			if (!changes.length || !(await this.deps.rooms.load(orgId))) return waiter.settle({ ok: true });
			const entry = newEntry<W>('', '', '', waiter);
			entry.orgId = orgId;
			entry.serverChanges = changes;
			this.enqueue(entry);
		});
	}

	/** Another server committed to this organization: this server's copy is brought up to date at the next commit. */
	wake(orgId: string) {
		if (!this.deps.rooms.get(orgId)) return;
		this.stale.add(orgId);
		this.schedule();
	}

	/** Resolves once this server's copy of the organization holds everything committed to it so far. */
	catchUp(orgId: string): Promise<void> {
		if (!this.deps.rooms.get(orgId)) return Promise.resolve();
		const done = new Promise<void>((resolve, reject) => this.caughtUp.push({ orgId, resolve, reject }));
		this.wake(orgId);
		return done;
	}

	/** Waits until no commit is under way: what memory holds then is what was committed. */
	async quiet() {
		while (this.committing) await this.committing;
	}

	/** What the check will need, read before the lock (whether the id was seen is asked under it, with the batch's). */
	private async prepare(
		entry: Queued<W>,
		parsed: ReturnType<typeof parseMutation>,
		steppedUpAt: number | undefined,
		privateWebhook: NamedUsers['privateWebhook']
	): Promise<void> {
		if (!parsed.ok) entry.verdict = parsed;
		else {
			const m = (entry.mutation = parsed.mutation);
			entry.users = await namedUsers(this.deps.accounts, entry.userId, m, privateWebhook);
			entry.steppedUpAt = steppedUpAt;
			// Loaded now, so that the commit does not wait for it.
			await this.deps.rooms.read(m.orgId);
		}
		this.enqueue(entry);
	}

	private enqueue(entry: Queued<W>) {
		this.batch.push(entry);
		this.schedule();
	}

	private schedule() {
		if (this.flushScheduled || this.committing) return;
		this.flushScheduled = true;
		setImmediate(() => void this.flush());
	}

	/** Group commit: one store transaction for the batch, then publishing. A failed one lets its organizations go and tells the waiters. */
	private async flush() {
		this.flushScheduled = false;
		const entries = this.batch;
		const stale = [...this.stale];
		const caughtUp = this.caughtUp;
		this.batch = [];
		this.stale.clear();
		this.caughtUp = [];
		if (!entries.length && !stale.length) return;
		let release = () => {};
		this.committing = new Promise((resolve) => (release = resolve));
		const rooms = new Map<string, OrgRoom>();
		const touched = { memory: false };
		// A connection whose socket a failed commit closed sends everything again, in order: what it sent after is not checked now.
		const live = entries.filter((e) => !gone(e));
		let batch: CommittedBatch<W> | undefined;
		let failure: unknown;
		// Woken by another server's commit and not written now: read without a lock, and published even if the commit fails.
		// A failed read is read again at the next wake-up (the periodic one at the latest), not at once: the store is down.
		const read = await readStale(this.deps, stale, live).catch((err: unknown) => {
			failure = err;
			return { updates: [], remote: [], orgIds: [] };
		});
		try {
			batch = await commitBatch(this.deps, this.stats, live, rooms, touched, read);
		} catch (err) {
			failure ??= err;
			this.recover(err, entries, touched.memory ? [...rooms.values()] : []);
			if (read.updates.length || read.remote.length)
				batch = { entries: [], updates: read.updates, remote: read.remote, at: this.deps.now() };
		}
		// Durable now: a failure to read ahead for publishing only defers grants (they read again, failing closed).
		if (batch) await this.deps.prepare(batch).catch((err: unknown) => console.error('reading sessions ahead of publishing failed', err));
		for (const e of entries) this.forget(e);
		this.committing = undefined;
		try {
			if (batch) this.deps.publish(batch);
		} finally {
			release();
			// Caught up: read now, or let go (read afresh when next asked for), or not held here at all.
			const caught = new Set([...read.orgIds, ...(touched.memory ? rooms.keys() : [])]);
			for (const done of caughtUp) {
				if (failure === undefined || caught.has(done.orgId) || !this.deps.rooms.get(done.orgId)) done.resolve();
				else done.reject(failure);
			}
			if (this.batch.length || this.stale.size) this.schedule();
		}
	}

	/** Frees an entry's mutation id (only if the entry still holds it: a resend may have taken it since). */
	private forget(e: Queued<W>) {
		const key = mutationKey(e);
		if (e.userId && this.inFlight.get(key) === e) this.inFlight.delete(key);
	}

	/** Nothing of the batch is durable: its organizations' copies are let go (read again when next asked for), and every waiter is told. */
	private recover(err: unknown, entries: Queued<W>[], touched: OrgRoom[]) {
		const dropped = touched.filter((room) => this.deps.rooms.evict(room));
		for (const e of entries) for (const w of e.waiters) w.fail?.(err);
		this.deps.failed(err, dropped);
	}
}
