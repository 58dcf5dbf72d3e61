import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as authProtocol from 'y-protocols/auth';
import { decodeSyncFrame, PRESENCE, SYNC_STEP1, SYNC_STEP2, SYNC_UPDATE } from '$lib/protocol/frames.ts';
import { CLOSE, type ServerMessage } from '$lib/protocol/messages.ts';
import type { Socket } from '../socket.ts';

/** Closes for a limit the client may come back from (frames, sockets, reading): 4429, 4408. */
const TRANSIENT = new Set<number>([CLOSE.tooMany.code, CLOSE.slowReader.code]);

/** y-websocket's message types (its y-websocket.js): each message is one of these, then its body. */
const STOCK_SYNC = 0;
const STOCK_AWARENESS = 1;
const STOCK_AUTH = 2;
const STOCK_QUERY_AWARENESS = 3;

/** What a stock client is told when it sends a change. */
export const READ_ONLY = "This endpoint is read-only: documents change only through Roster's checked mutations. Nothing was applied.";
/** What it is told when it sends a message that cannot be read. */
export const UNREADABLE = 'A message could not be read as y-websocket sync or awareness; it was ignored.';

/** A message from a stock client, as far as this endpoint reads it. */
export type StockMessage =
	| { type: 'step1'; stateVector: Uint8Array }
	/** A sync step 2 or an update: something it would write (the server never asks for one: it sends no step 1). */
	| { type: 'write' }
	| { type: 'awareness' }
	| { type: 'queryAwareness' };

/** Reads one y-websocket message; undefined for anything else (unknown type, truncated, trailing bytes). */
export function readStockMessage(data: Uint8Array): StockMessage | undefined {
	try {
		const d = decoding.createDecoder(data);
		const message = readBody(d, decoding.readVarUint(d));
		return message && !decoding.hasContent(d) ? message : undefined;
	} catch {
		return undefined;
	}
}

function readBody(d: decoding.Decoder, type: number): StockMessage | undefined {
	switch (type) {
		case STOCK_SYNC: {
			const kind = decoding.readVarUint(d);
			const payload = decoding.readVarUint8Array(d);
			if (kind === SYNC_STEP1) return { type: 'step1', stateVector: payload };
			return kind === SYNC_STEP2 || kind === SYNC_UPDATE ? { type: 'write' } : undefined;
		}
		case STOCK_AWARENESS:
			decoding.readVarUint8Array(d);
			return { type: 'awareness' };
		case STOCK_QUERY_AWARENESS:
			return { type: 'queryAwareness' };
		default:
			return undefined;
	}
}

/** A y-protocols/auth "permission denied" message: a stock provider logs its reason and carries on. */
export function permissionDenied(reason: string): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, STOCK_AUTH);
	authProtocol.writePermissionDenied(e, reason);
	return encoding.toUint8Array(e);
}

/**
 * What answers a stock client's own awareness: an update naming no one. It is shown to no one, yet
 * hearing something keeps a provider's 30-second "nothing heard" watchdog from reconnecting.
 */
export const AWARENESS_HEARD = awarenessMessage(new Uint8Array([0]));

/** An awareness message carrying a y-protocols/awareness update. */
export function awarenessMessage(update: Uint8Array): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, STOCK_AWARENESS);
	encoding.writeVarUint8Array(e, update);
	return encoding.toUint8Array(e);
}

/**
 * The hub's Socket for a stock y-websocket client following one document: what the hub sends in
 * Roster's terms goes out in y-websocket's. Sync frames of the document become sync messages
 * (the same y-protocols sync message), presence becomes awareness, `revoked` closes the socket
 * (4410), an `error` becomes a permission-denied message with its sentence; the rest (`welcome`,
 * verdicts) has no stock counterpart and is dropped.
 */
export class StockSocket implements Socket {
	constructor(
		private readonly inner: Socket,
		readonly follows: string
	) {}

	isOpen(): boolean {
		return this.inner.isOpen();
	}

	bufferedAmount(): number {
		return this.inner.bufferedAmount?.() ?? 0;
	}

	/** A stock provider never reconnects after a 44xx close: a limit it may come back from is told as 45xx. */
	close(code: number, reason: string) {
		this.inner.close(TRANSIENT.has(code) ? code + 100 : code, reason);
	}

	send(data: string | Uint8Array) {
		if (typeof data === 'string') return this.sendText(JSON.parse(data) as ServerMessage);
		const { doc, kind, payload } = decodeSyncFrame(data);
		if (doc !== this.follows) return;
		const e = encoding.createEncoder();
		if (kind === PRESENCE) {
			encoding.writeVarUint(e, STOCK_AWARENESS);
		} else if (kind === SYNC_STEP2 || kind === SYNC_UPDATE) {
			encoding.writeVarUint(e, STOCK_SYNC);
			encoding.writeVarUint(e, kind);
		} else return;
		encoding.writeVarUint8Array(e, payload);
		this.inner.send(encoding.toUint8Array(e));
	}

	/**
	 * A y-websocket message of the endpoint's own (a refusal, an awareness answer), sent as it is,
	 * unless more than `maxBufferedBytes` wait unread: then it is closed as Connection.send does.
	 */
	reply(message: Uint8Array, maxBufferedBytes: number) {
		if (!this.inner.isOpen()) return;
		if (this.bufferedAmount() > maxBufferedBytes) return this.close(CLOSE.slowReader.code, CLOSE.slowReader.reason);
		this.inner.send(message);
	}

	private sendText(message: ServerMessage) {
		if (message.t === 'revoked' && message.doc === this.follows) this.close(CLOSE.accessEnded.code, CLOSE.accessEnded.reason);
		else if (message.t === 'error') this.inner.send(permissionDenied(message.message));
	}
}
