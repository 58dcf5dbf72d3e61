import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

/**
 * Binary frames carry Yjs sync for one document: [docId: varString][y-protocols sync message].
 * A client may send only sync step 1 (its state vector); the server answers with step 2
 * and afterwards sends updates. Steps 2 and updates from a client are refused.
 */
export const SYNC_STEP1 = syncProtocol.messageYjsSyncStep1;
export const SYNC_STEP2 = syncProtocol.messageYjsSyncStep2;
export const SYNC_UPDATE = syncProtocol.messageYjsUpdate;
/**
 * Presence: the payload is a y-protocols/awareness update. A client states only its own
 * (docs/protocol.md, Presence); the server sends others' to whoever may read the document.
 */
export const PRESENCE = 3;

export interface SyncFrame {
	doc: string;
	kind: number;
	payload: Uint8Array;
}

export function encodeSyncFrame(doc: string, kind: number, payload: Uint8Array): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarString(e, doc);
	encoding.writeVarUint(e, kind);
	encoding.writeVarUint8Array(e, payload);
	return encoding.toUint8Array(e);
}

/** Throws on a malformed frame; callers treat that as INVALID_FRAME. */
export function decodeSyncFrame(data: Uint8Array): SyncFrame {
	const d = decoding.createDecoder(data);
	const doc = decoding.readVarString(d);
	const kind = decoding.readVarUint(d);
	const payload = decoding.readVarUint8Array(d);
	if (decoding.hasContent(d)) throw new Error('trailing bytes');
	return { doc, kind, payload };
}

export function step1Frame(docId: string, doc: Y.Doc): Uint8Array {
	return encodeSyncFrame(docId, SYNC_STEP1, Y.encodeStateVector(doc));
}
