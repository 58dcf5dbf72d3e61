import type { Mutation, RefusalCode } from '../domain/index.ts';
import type { OutboxEntry, RosterDb } from './db.ts';
import { kept } from './local-copy.svelte.ts';

type Refusal = { code: RefusalCode; message: string };

/**
 * The queue of mutations the server has not accepted yet, kept in IndexedDB so that it
 * survives a reload: pending ones (unsent or unanswered) and refused ones (until retried or discarded).
 * Every tab of the user shares it: any tab writes it, then `written` tells the others to reload.
 * This tab's reads and writes run one at a time, so a reload never undoes a write made after it began.
 * A write IndexedDB refuses (a full disk) is reported (local-copy.svelte.ts) and the entry kept here.
 */
export class Outbox {
	// Raw: entries are replaced, never mutated, and must stay plain objects for IndexedDB.
	entries = $state.raw<OutboxEntry[]>([]);
	readonly pendingCount = $derived(this.entries.filter((e) => e.status === 'pending').length);
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- callbacks, not state
	private readonly listeners = new Set<() => void>();
	private queue: Promise<unknown> = Promise.resolve();
	/** Entries IndexedDB would not take: shown and sent from memory while this tab lives, never dropped by a reload. */
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- entries is the state; this is bookkeeping
	private readonly unkept = new Map<string, OutboxEntry>();

	constructor(
		private readonly db: RosterDb,
		private readonly written: () => void = () => {},
		/** An entry IndexedDB would not take: the tab that holds the connection must be told (it sends from memory). */
		private readonly notStored: (entry: OutboxEntry) => void = () => {}
	) {}

	/** Reads the queue again from IndexedDB (another tab wrote it; it is small). */
	load() {
		return this.inTurn(async () => {
			const stored = await this.db.outbox.orderBy('seq').toArray();
			this.set([...stored, ...[...this.unkept.values()].filter((u) => !stored.some((e) => e.id === u.id))]);
		});
	}

	find(id: string) {
		return this.entries.find((e) => e.id === id);
	}

	/** In the order they were queued, in whichever tab. */
	pending() {
		return this.entries.filter((e) => e.status === 'pending');
	}

	/** Queues a mutation: pending when it parsed (`refusal` undefined), else refused at once. */
	add(mutation: Mutation, refusal?: Refusal): Promise<OutboxEntry> {
		return this.write(async () => {
			const entry = (seq: number): OutboxEntry => ({
				id: crypto.randomUUID(),
				seq,
				orgId: mutation.orgId,
				mutation,
				status: refusal ? 'refused' : 'pending',
				...refusal,
				createdAt: Date.now()
			});
			// Numbered inside one transaction, so that two tabs adding at once never take the same place.
			const stored = await kept(
				this.db.transaction('rw', this.db.outbox, async () => {
					const added = entry(((await this.db.outbox.orderBy('seq').last())?.seq ?? 0) + 1);
					await this.db.outbox.put(added);
					return added;
				})
			);
			const added = stored ?? entry((this.entries.at(-1)?.seq ?? 0) + 1);
			if (!stored) {
				this.unkept.set(added.id, added);
				this.notStored(added);
			}
			this.set([...this.entries.filter((e) => e.id !== added.id), added]);
			return added;
		});
	}

	/** The server's refusal: kept, with its reason, until retried or discarded. */
	refuse(id: string, code: RefusalCode, message: string) {
		return this.write(async () => {
			const entry = this.find(id);
			if (!entry) return;
			const refused: OutboxEntry = { ...entry, status: 'refused', code, message };
			if (this.unkept.has(id)) this.unkept.set(id, refused);
			else await kept(this.db.outbox.put(refused));
			this.settle(id, { code, message });
		});
	}

	remove(id: string) {
		return this.write(async () => {
			if (!this.unkept.delete(id)) await kept(this.db.outbox.delete(id));
			this.settle(id);
		});
	}

	/** An entry another tab could not store, handed to this one (the leader) to keep in memory and send. */
	adopt(entry: OutboxEntry) {
		return this.inTurn(async () => {
			this.unkept.set(entry.id, entry);
			this.set([...this.entries.filter((e) => e.id !== entry.id), entry]);
		});
	}

	/** A verdict the leader tab stores: shown here at once, without writing (removed, or refused with its reason). */
	settled(id: string, refusal?: Refusal) {
		return this.inTurn(async () => this.settle(id, refusal));
	}

	/** Calls `fn` after every change of the queue; returns how to stop. */
	listen(fn: () => void): () => void {
		this.listeners.add(fn);
		return () => this.listeners.delete(fn);
	}

	private settle(id: string, refusal?: Refusal) {
		const unkept = this.unkept.get(id);
		if (unkept && refusal) this.unkept.set(id, { ...unkept, status: 'refused', ...refusal });
		else this.unkept.delete(id);
		this.set(
			refusal
				? this.entries.map((e) => (e.id === id ? { ...e, status: 'refused' as const, ...refusal } : e))
				: this.entries.filter((e) => e.id !== id)
		);
	}

	private async write<T>(fn: () => Promise<T>): Promise<T> {
		const result = await this.inTurn(fn);
		this.written();
		return result;
	}

	private inTurn<T>(fn: () => Promise<T>): Promise<T> {
		const result = this.queue.then(fn);
		this.queue = result.catch(() => undefined);
		return result;
	}

	private set(entries: OutboxEntry[]) {
		this.entries = entries;
		for (const fn of this.listeners) fn();
	}
}
