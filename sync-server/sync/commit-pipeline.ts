import {
	NOT_A_MEMBER,
	checkMutation,
	entryNames,
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
import { changesWrites, storeWrites } from '../change-effects.ts';
import { emptyBatch, mutationKey, type DocumentStore, type RecordedVerdict } from '../storage/documents.ts';
import type { CommittedBatch, Queued, RemoteChanges, Verdict, Waiter } from './committed-batch.ts';
import {
	namedUsers,
	namedUsersOfBatch,
	webhookLookup,
	type Accounts,
	type CheckDirectory,
	type NamedUsers,
	type WebhookPolicy
} from './directory.ts';
import { CommitStats } from './commit-stats.ts';
import { apply, gone, laneOf, newEntry, take, type Updates } from './commit-steps.ts';
import type { Rooms } from './rooms.ts';

/** What a commit read of other servers' commits to organizations it does not write. */
type Read = Pick<CommittedBatch, 'updates' | 'remote'> & { orgIds: string[] };

export interface PipelineDeps<W extends Waiter> {
	store: DocumentStore;
	accounts: Accounts;
	rooms: Rooms;
	directory: CheckDirectory;
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
			(room, users) => this.verdictOf(room, userId, mutation, users, steppedUpAt)
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

	/** The one place the pipeline asks the domain, so that check() and a commit cannot answer differently. */
	private verdictOf(room: OrgRoom, userId: string, mutation: Mutation, users: NamedUsers, steppedUpAt: number | undefined) {
		return this.deps.directory.with(users, () =>
			checkMutation(room.state, { actorId: userId, now: this.deps.now(), steppedUpAt }, mutation)
		);
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
		const read = await this.readStale(stale, live).catch((err: unknown) => {
			failure = err;
			return { updates: [], remote: [], orgIds: [] };
		});
		try {
			batch = await this.commit(live, rooms, touched, read);
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

	/** What other servers committed to organizations held here that this batch does not write (those are read under their locks). */
	private async readStale(stale: readonly string[], live: readonly Queued<W>[]): Promise<Read> {
		const written = new Set(live.flatMap((e) => e.mutation?.orgId ?? e.orgId ?? []));
		const onlyRead = stale.flatMap((orgId) => (written.has(orgId) ? [] : (this.deps.rooms.get(orgId) ?? [])));
		const logs = await Promise.all(onlyRead.map((room) => this.deps.store.orgLog(room.orgId, room.seq)));
		const updates: Updates = [];
		const remote: RemoteChanges[] = [];
		onlyRead.forEach((room, i) => take(room, logs[i]!, updates, remote));
		return { updates, remote, orgIds: onlyRead.map((room) => room.orgId) };
	}

	private async commit(
		live: Queued<W>[],
		rooms: Map<string, OrgRoom>,
		touched: { memory: boolean },
		read: Read
	): Promise<CommittedBatch<W>> {
		const { store } = this.deps;
		const updates: Updates = [...read.updates];
		const remote: RemoteChanges[] = [...read.remote];
		for (const e of live) {
			const orgId = e.mutation?.orgId ?? e.orgId;
			if (orgId !== null && !rooms.has(orgId)) rooms.set(orgId, await this.deps.rooms.read(orgId));
		}
		if (!live.length) return { entries: live, updates, remote, at: this.deps.now() };
		const keys = live.filter((e) => e.userId);
		const tx = await store.begin(
			[...rooms.values()].map((room) => ({ orgId: room.orgId, after: room.seq })),
			keys
		);
		touched.memory = true;
		const locked = performance.now();
		let committed = false;
		try {
			for (const [orgId, log] of tx.logs) take(rooms.get(orgId)!, log, updates, remote);
			for (const e of live) this.checkAndApply(e, rooms, tx.recorded);
			const writes = emptyBatch();
			const saved: ((seq: number) => void)[] = [];
			for (const room of rooms.values()) {
				for (const docRoom of room.dirty) {
					const unsaved = docRoom.takeUnsaved();
					if (!unsaved) continue;
					writes.updates.push(unsaved.write);
					saved.push((seq) => {
						docRoom.saved(unsaved.write, seq);
						room.seq = Math.max(room.seq, seq);
					});
					updates.push({ room, docRoom, update: unsaved.merged });
				}
				room.dirty.clear();
			}
			const at = this.deps.now();
			for (const e of live) if (!e.recorded) storeWrites(e, at, writes);
			writes.changes = changesWrites(live, new Set(writes.updates.map((u) => u.orgId)), at);
			const seqs = await tx.commit(writes);
			committed = true;
			this.stats.record(performance.now() - locked, live.length);
			saved.forEach((save, i) => save(seqs[i]!));
			for (const room of rooms.values()) this.deps.rooms.adopt(room);
			return { entries: live, updates, remote, at };
		} catch (err) {
			if (!committed) await tx.rollback().catch(() => {});
			throw err;
		}
	}

	private checkAndApply(e: Queued<W>, rooms: Map<string, OrgRoom>, recorded: ReadonlyMap<string, RecordedVerdict>) {
		const before = e.userId ? recorded.get(mutationKey(e)) : undefined;
		if (before) {
			e.verdict = before;
			e.recorded = true;
			return;
		}
		if (e.serverChanges) {
			const room = rooms.get(e.orgId!)!;
			e.orgId = null;
			if (room.exists()) {
				e.room = room;
				apply(room, e.serverChanges, e);
			}
			return;
		}
		const m = e.mutation;
		if (!m) return;
		const room = rooms.get(m.orgId)!;
		if (!room.exists() && m.type !== 'org.create') e.verdict = NOT_A_MEMBER;
		else {
			e.room = room;
			const verdict = this.verdictOf(room, e.userId, m, e.users!, e.steppedUpAt);
			// Read before the changes apply: the activity entry names what it acted on as it was then.
			const names = this.deps.directory.with(e.users!, () => entryNames(room.state, m, e.userId, verdict.ok));
			e.names = { ...names, ...(e.by && { by: e.by }) };
			if (verdict.ok || room.state.member(e.userId)) e.orgId = room.orgId;
			if (verdict.ok) apply(room, verdict.changes, e);
			else e.verdict = verdict;
		}
	}

	/** Nothing of the batch is durable: its organizations' copies are let go (read again when next asked for), and every waiter is told. */
	private recover(err: unknown, entries: Queued<W>[], touched: OrgRoom[]) {
		const dropped = touched.filter((room) => this.deps.rooms.evict(room));
		for (const e of entries) for (const w of e.waiters) w.fail?.(err);
		this.deps.failed(err, dropped);
	}
}
