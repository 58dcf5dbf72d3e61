import * as Y from 'yjs';

/**
 * Whether applying a Yjs update (v1) to `doc` would change it: it holds structs the doc's state
 * vector does not cover, or deletes what the doc has not deleted. A stock client's reply that
 * carries only what it was sent (its delete set included) changes nothing. The work follows the
 * update's size and the runs it names, never the whole document. Throws on an unreadable update.
 */
export function wouldChange(doc: Y.Doc, update: Uint8Array): boolean {
	const { structs, ds } = Y.decodeUpdate(update);
	for (const s of structs) {
		// A skip is a gap in the update, not content.
		if (!(s instanceof Y.Skip) && s.id.clock + s.length > Y.getState(doc.store, s.id.client)) return true;
	}
	for (const [client, deletions] of ds.clients) {
		for (const { clock, len } of deletions) if (!hasDeleted(doc, client, clock, len)) return true;
	}
	return false;
}

/** Whether every struct of `client` in [clock, clock + len) is in the doc and deleted. */
function hasDeleted(doc: Y.Doc, client: number, clock: number, len: number): boolean {
	if (len <= 0) return true;
	const structs = doc.store.clients.get(client);
	if (!structs || clock < 0 || clock + len > Y.getState(doc.store, client)) return false;
	for (let i = Y.findIndexSS(structs, clock); i < structs.length && structs[i]!.id.clock < clock + len; i++) {
		if (!structs[i]!.deleted) return false;
	}
	return true;
}
