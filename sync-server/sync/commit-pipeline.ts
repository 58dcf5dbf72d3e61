import { NOT_A_MEMBER, applyChanges, checkMutation, parseMutation, type Change, type Mutation } from '$lib/domain/index.ts';
import { SERVER_ORIGIN } from '../doc-room.ts';
import type { OrgRoom } from '../org-room.ts';
import { storeWrites } from '../change-effects.ts';
import { emptyBatch, type DocumentStore } from '../storage/documents.ts';
import type { Committed, CommittedBatch, Verdict, Waiter } from './committed-batch.ts';
import { namedUsers, type Accounts, type CheckDirectory } from './directory.ts';
import type { Rooms } from './rooms.ts';

export interface PipelineDeps<W extends Waiter> {
	store: DocumentStore;
	accounts: Accounts;
	rooms: Rooms;
	directory: CheckDirectory;
	now: () => number;
	/** Runs once a batch is durable, before it is published, while nothing new is checked (e.g. reading what publishing needs). */
	prepare: (batch: CommittedBatch<W>) => Promise<void>;
	/** Told each durable batch, in commit order; it tells the waiters (Waiter.settle) at its chosen moment. */
	publish: (batch: CommittedBatch<W>) => void;
	/** A commit failed: memory now holds changes the store does not, so nothing more is checked or acknowledged. */
	failed: (err: unknown) => void;
}

/**
 * Checks mutations with the domain, applies accepted ones in memory, and makes them durable in
 * group commits: each commit is one `store.commit` call for everything checked since the last,
 * and commits run one at a time. A verdict is given once (by mutation id and user): a retry
 * waits for the first one's, or is answered from the store. It knows nothing of sockets.
 */
export class CommitPipeline<W extends Waiter> {
	private batch: Committed<W>[] = [];
	private readonly inFlight = new Map<string, { entry: Committed<W>; checked: Promise<Verdict> }>();
	private flushScheduled = false;
	/** Set while a commit is under way: nothing is checked or applied meanwhile, so memory is what was committed when it is published. */
	private committing: Promise<void> | undefined;

	constructor(private readonly deps: PipelineDeps<W>) {}

	/** Resolves with the verdict as checked (not yet durable); `waiter` is told the durable one. */
	submit(userId: string, id: string, body: unknown, waiter: W, steppedUpAt?: number): Promise<Verdict> {
		const key = `${userId}\u0000${id}`;
		const inFlight = this.inFlight.get(key);
		if (inFlight) {
			inFlight.entry.waiters.push(waiter);
			return inFlight.checked;
		}
		const sentType = (body as { type?: unknown } | null)?.type;
		const entry: Committed<W> = {
			userId,
			id,
			type: typeof sentType === 'string' ? sentType.slice(0, 64) : '?',
			orgId: null,
			mutation: undefined,
			verdict: { ok: true },
			waiters: [waiter],
			room: undefined,
			changes: [],
			wasMember: new Map()
		};
		const checked = this.deps.rooms
			.inLane(laneOf(body), () => this.checkAndApply(entry, key, body, steppedUpAt))
			.catch((err: unknown) => {
				// Not checked (the store failed): the id is free again, so a retry is checked afresh.
				this.inFlight.delete(key);
				throw err;
			});
		this.inFlight.set(key, { entry, checked });
		return checked;
	}

	/** The verdict a mutation would get now, changing nothing (in its organization's lane, like a submitted one). */
	check(userId: string, mutation: Mutation, steppedUpAt?: number): Promise<Verdict> {
		return this.deps.rooms.inLane(mutation.orgId, async () => {
			const room = await this.deps.rooms.load(mutation.orgId);
			if (!room) return NOT_A_MEMBER;
			const users = await namedUsers(this.deps.accounts, userId, mutation);
			await this.quiet();
			const verdict = this.verdictOf(room, userId, mutation, users, steppedUpAt);
			return verdict.ok ? { ok: true } : verdict;
		});
	}

	/**
	 * Applies changes no user sent (a refreshed profile, an issued invoice) through the same
	 * group commit and publishing as a mutation; resolves once they are durable. Nothing is
	 * recorded in the activity feed: no one acted.
	 */
	applyServerChanges(orgId: string, changes: readonly Change[], waiter: W): Promise<void> {
		return this.deps.rooms.inLane(orgId, async () => {
			const room = await this.deps.rooms.load(orgId);
			if (!room || !changes.length) return waiter.settle({ ok: true });
			await this.quiet();
			const entry: Committed<W> = {
				userId: '',
				id: '',
				type: '',
				orgId: null,
				mutation: undefined,
				verdict: { ok: true },
				waiters: [waiter],
				room,
				changes: [],
				wasMember: new Map()
			};
			this.apply(room, changes, entry);
			this.enqueue(entry);
		});
	}

	private async checkAndApply(entry: Committed<W>, key: string, body: unknown, steppedUpAt: number | undefined): Promise<Verdict> {
		const { store, rooms, accounts } = this.deps;
		const seen = await store.mutation(entry.userId, entry.id);
		if (seen) {
			this.inFlight.delete(key);
			for (const w of entry.waiters) w.settle(seen);
			return seen;
		}
		const parsed = parseMutation(body);
		if (!parsed.ok) entry.verdict = parsed;
		else {
			const m = (entry.mutation = parsed.mutation);
			const room = m.type === 'org.create' ? await rooms.read(m.orgId) : await rooms.load(m.orgId);
			const users = room && (await namedUsers(accounts, entry.userId, m));
			await this.quiet();
			if (!room || !users) entry.verdict = NOT_A_MEMBER;
			else {
				entry.room = room;
				const verdict = this.verdictOf(room, entry.userId, m, users, steppedUpAt);
				if (verdict.ok || room.state.member(entry.userId)) entry.orgId = room.orgId;
				if (verdict.ok) {
					this.apply(room, verdict.changes, entry);
					rooms.adopt(room);
				} else entry.verdict = verdict;
			}
		}
		this.enqueue(entry);
		return entry.verdict;
	}

	/** The one place the pipeline asks the domain, so that check() and submit() cannot answer differently. */
	private verdictOf(
		room: OrgRoom,
		userId: string,
		mutation: Mutation,
		users: Awaited<ReturnType<typeof namedUsers>>,
		steppedUpAt: number | undefined
	) {
		return this.deps.directory.with(users, () =>
			checkMutation(room.state, { actorId: userId, now: this.deps.now(), steppedUpAt }, mutation)
		);
	}

	private apply(room: OrgRoom, changes: readonly Change[], entry: Committed<W>) {
		for (const c of changes) {
			if (c.kind === 'member.put') entry.wasMember.set(c.member.userId, room.state.member(c.member.userId));
			if (c.kind === 'member.delete') entry.wasMember.set(c.userId, room.state.member(c.userId));
		}
		entry.changes = changes;
		applyChanges(room.state, changes, SERVER_ORIGIN);
	}

	/** Waits until no commit is under way: what memory holds then is what was committed, and what was checked since. */
	async quiet() {
		while (this.committing) await this.committing;
	}

	private enqueue(entry: Committed<W>) {
		this.batch.push(entry);
		if (!this.committing) this.schedule();
	}

	private schedule() {
		if (this.flushScheduled) return;
		this.flushScheduled = true;
		setImmediate(() => void this.flush());
	}

	/** Group commit: one store transaction for the batch, then publishing; a failed commit stops the pipeline. */
	private async flush() {
		this.flushScheduled = false;
		const entries = this.batch;
		this.batch = [];
		if (!entries.length) return;
		const writes = emptyBatch();
		const updates: CommittedBatch<W>['updates'][number][] = [];
		const saved: ((seq: number) => void)[] = [];
		for (const room of new Set(entries.flatMap((e) => (e.room ? [e.room] : [])))) {
			for (const docRoom of room.dirty) {
				const unsaved = docRoom.takeUnsaved();
				if (!unsaved) continue;
				writes.updates.push(unsaved.write);
				saved.push((seq) => docRoom.saved(unsaved.write, seq));
				updates.push({ room, docRoom, update: unsaved.merged });
			}
			room.dirty.clear();
		}
		const at = this.deps.now();
		for (const e of entries) storeWrites(e, at, writes);
		const batch: CommittedBatch<W> = { entries, updates, at };
		let release = () => {};
		this.committing = new Promise((resolve) => (release = resolve));
		try {
			const seqs = await this.deps.store.commit(writes);
			saved.forEach((save, i) => save(seqs[i]!));
		} catch (err) {
			// The gate stays shut: nothing unacknowledged is served or checked against.
			return this.deps.failed(err);
		}
		// Durable now: a failure to read ahead for publishing only defers grants (they read again, failing closed).
		await this.deps.prepare(batch).catch((err: unknown) => console.error('reading sessions ahead of publishing failed', err));
		for (const e of entries) this.inFlight.delete(`${e.userId}\u0000${e.id}`);
		this.committing = undefined;
		try {
			this.deps.publish(batch);
		} finally {
			release();
			if (this.batch.length) this.schedule();
		}
	}
}

/** Work on one organization queues in its lane; a body naming none shares one lane. */
function laneOf(body: unknown): string {
	const orgId = (body as { orgId?: unknown } | null)?.orgId;
	return typeof orgId === 'string' ? orgId : '';
}
