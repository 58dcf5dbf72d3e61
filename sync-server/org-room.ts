import * as Y from 'yjs';
import { OrgDocState, type Directory } from '$lib/domain/index.ts';
import { orgDocId } from '$lib/protocol/messages.ts';
import type { Connection } from './socket.ts';
import type { Store } from './store.ts';

/** Origin of every change the server makes, so update listeners tell them from loads. */
export const SERVER_ORIGIN = 'server';

/** Compact a document's update log into one row once it grows past this many rows. */
const COMPACT_AFTER = 500;

/** One organization's document, its subscribers and the updates not yet written. */
export class OrgRoom {
	readonly docId: string;
	readonly doc = new Y.Doc({ gc: true });
	readonly state: OrgDocState;
	readonly subscribers = new Set<Connection>();
	private unsaved: Uint8Array[] = [];
	private storedRows = 0;
	private lastSeq = 0;

	constructor(
		readonly orgId: string,
		private readonly store: Store,
		directory: Directory
	) {
		this.docId = orgDocId(orgId);
		for (const row of store.docUpdates(this.docId)) {
			Y.applyUpdate(this.doc, row.data);
			this.lastSeq = row.seq;
			this.storedRows++;
		}
		this.state = new OrgDocState(this.doc, directory);
		this.doc.on('update', (update: Uint8Array, origin: unknown) => {
			if (origin === SERVER_ORIGIN) this.unsaved.push(update);
		});
	}

	exists(): boolean {
		return this.state.org() !== undefined;
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
