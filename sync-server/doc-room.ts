import * as Y from 'yjs';
import type { Connection } from './socket.ts';
import type { StoredUpdate, UpdateWrite } from './storage/documents.ts';

/** Origin of every change the server makes, so update listeners tell them from loads. */
export const SERVER_ORIGIN = 'server';
/** Origin of what another server committed, read from the log: durable already, so never written again. */
const COMMITTED_ORIGIN = 'committed';

/** Compact a document's update log into one row once it grows past this many rows. */
const COMPACT_AFTER = 500;

/** One document: its Y.Doc as stored, its subscribers, and the updates not yet written. */
export class DocRoom {
	readonly doc = new Y.Doc({ gc: true });
	readonly subscribers = new Set<Connection>();
	private unsaved: Uint8Array[] = [];
	private storedRows = 0;
	private lastSeq = 0;

	constructor(
		readonly orgId: string,
		readonly docId: string,
		rows: readonly StoredUpdate[],
		onDirty: (room: DocRoom) => void
	) {
		for (const row of rows) this.applyCommitted(row);
		this.doc.on('update', (update: Uint8Array, origin: unknown) => {
			if (origin !== SERVER_ORIGIN) return;
			this.unsaved.push(update);
			onDirty(this);
		});
	}

	/** Applies an update read from the store (its own rows at load, or what another server committed since). */
	applyCommitted(row: StoredUpdate) {
		Y.applyUpdate(this.doc, row.data, COMMITTED_ORIGIN);
		this.lastSeq = row.seq;
		this.storedRows++;
	}

	/**
	 * The unsaved updates as one write for the next commit (the whole state, once the log grows
	 * long), and merged for broadcast; `saved` is told the write's sequence number once durable.
	 */
	takeUnsaved(): { write: UpdateWrite; merged: Uint8Array } | undefined {
		if (this.unsaved.length === 0) return undefined;
		const merged = Y.mergeUpdates(this.unsaved);
		this.unsaved = [];
		const compact = this.storedRows + 1 >= COMPACT_AFTER;
		const write = compact
			? { orgId: this.orgId, docId: this.docId, data: Y.encodeStateAsUpdate(this.doc), compactUpTo: this.lastSeq }
			: { orgId: this.orgId, docId: this.docId, data: merged };
		return { write, merged };
	}

	saved(write: UpdateWrite, seq: number) {
		this.lastSeq = seq;
		this.storedRows = write.compactUpTo === undefined ? this.storedRows + 1 : 1;
	}
}
