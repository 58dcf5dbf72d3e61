import * as Y from 'yjs';
import type { Connection } from './socket.ts';
import type { Store } from './store.ts';

/** Origin of every change the server makes, so update listeners tell them from loads. */
export const SERVER_ORIGIN = 'server';

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
		readonly docId: string,
		private readonly store: Store,
		onDirty: (room: DocRoom) => void
	) {
		for (const row of store.docUpdates(docId)) {
			Y.applyUpdate(this.doc, row.data);
			this.lastSeq = row.seq;
			this.storedRows++;
		}
		this.doc.on('update', (update: Uint8Array, origin: unknown) => {
			if (origin !== SERVER_ORIGIN) return;
			this.unsaved.push(update);
			onDirty(this);
		});
	}

	/** Writes unsaved updates (inside the caller's transaction); returns them merged for broadcast. */
	persist(): Uint8Array | undefined {
		if (this.unsaved.length === 0) return undefined;
		const merged = Y.mergeUpdates(this.unsaved);
		this.unsaved = [];
		if (this.storedRows + 1 >= COMPACT_AFTER) {
			this.lastSeq = this.store.compact(this.docId, this.lastSeq, Y.encodeStateAsUpdate(this.doc));
			this.storedRows = 1;
		} else {
			this.lastSeq = this.store.appendUpdate(this.docId, merged);
			this.storedRows++;
		}
		return merged;
	}
}
