import type { Mutation, RefusalCode } from '../domain/index.ts';
import type { OutboxEntry, RosterDb } from './db.ts';
import { kept } from './local-copy.svelte.ts';

/**
 * The queue of mutations the server has not accepted yet, kept in IndexedDB so that it
 * survives a reload: pending ones (unsent or unanswered) and refused ones (until retried or discarded).
 */
export class Outbox {
	// Raw: entries are replaced, never mutated, and must stay plain objects for IndexedDB.
	entries = $state.raw<OutboxEntry[]>([]);
	readonly pendingCount = $derived(this.entries.filter((e) => e.status === 'pending').length);
	private seq = 0;
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- callbacks, not state
	private readonly listeners = new Set<() => void>();

	constructor(private readonly db: RosterDb) {}

	async load() {
		this.set(await this.db.outbox.orderBy('seq').toArray());
		this.seq = this.entries.at(-1)?.seq ?? 0;
	}

	find(id: string) {
		return this.entries.find((e) => e.id === id);
	}

	pending() {
		return this.entries.filter((e) => e.status === 'pending');
	}

	/** Queues a mutation: pending when it parsed (`refusal` undefined), else refused at once. */
	async add(mutation: Mutation, refusal?: { code: RefusalCode; message: string }): Promise<OutboxEntry> {
		const entry: OutboxEntry = {
			id: crypto.randomUUID(),
			seq: ++this.seq,
			orgId: mutation.orgId,
			mutation,
			status: refusal ? 'refused' : 'pending',
			...refusal,
			createdAt: Date.now()
		};
		await kept(this.db.outbox.put(entry));
		this.set([...this.entries, entry]);
		return entry;
	}

	/** The server's refusal: kept, with its reason, until retried or discarded. */
	async refuse(id: string, code: RefusalCode, message: string) {
		const entry = this.find(id);
		if (!entry) return;
		const refused: OutboxEntry = { ...entry, status: 'refused', code, message };
		await kept(this.db.outbox.put(refused));
		this.set(this.entries.map((e) => (e.id === id ? refused : e)));
	}

	async remove(id: string) {
		await kept(this.db.outbox.delete(id));
		this.set(this.entries.filter((e) => e.id !== id));
	}

	/** Calls `fn` after every change of the queue; returns how to stop. */
	listen(fn: () => void): () => void {
		this.listeners.add(fn);
		return () => this.listeners.delete(fn);
	}

	private set(entries: OutboxEntry[]) {
		this.entries = entries;
		for (const fn of this.listeners) fn();
	}
}
