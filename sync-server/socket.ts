import { CLOSE, type ServerMessage } from '$lib/protocol/messages.ts';
import type { Budget } from './budget.ts';

/** What a room needs of a transport; tests can supply an in-memory pair, production wraps `ws`. */
export interface Socket {
	isOpen(): boolean;
	send(data: string | Uint8Array): void;
	close(code: number, reason: string): void;
	/** Bytes sent but not yet taken by the peer (ws `bufferedAmount`); 0 where nothing buffers. */
	bufferedAmount?(): number;
	/** The one document a socket follows, if it follows only one (a stock Yjs client): it is subscribed to nothing else and gets no welcome. */
	readonly follows?: string;
}

/**
 * What opened a connection when it was not a session (a service account's secret): checked
 * wherever a session would be, before each frame is handled and at the minute's sweep.
 */
export interface Credential {
	/** Whether it still opens what it opened. */
	holds(): Promise<boolean>;
	/** How the socket is closed once it does not. */
	ended: { code: number; reason: string };
}

/** One signed-in socket, the documents it is subscribed to, and what its user may still ask for. */
export class Connection {
	readonly docs = new Set<string>();
	/** Detached: work still queued for it (a sync request, a grant) must not subscribe it again. */
	closed = false;
	private turn: Promise<void> = Promise.resolve();
	constructor(
		readonly userId: string,
		readonly socket: Socket,
		/** The session it was opened with: signing out closes it. With a `credential`, a key no session has (session checks find none). */
		readonly sessionHash: string,
		/** Shared by the user's connections, so that opening another one does not start a fresh budget. */
		readonly budget: Budget,
		/** What opened it instead of a session, if anything did. */
		readonly credential?: Credential
	) {}

	/** Closes it because what opened it (its session, or its credential) no longer holds. */
	closeEnded() {
		const { code, reason } = this.credential?.ended ?? CLOSE.unauthenticated;
		this.socket.close(code, reason);
	}

	/** Sends, unless the peer has stopped reading: then the socket is closed rather than buffering without end. */
	send(data: string | Uint8Array) {
		if (!this.socket.isOpen()) return;
		if ((this.socket.bufferedAmount?.() ?? 0) > this.budget.limits.maxBufferedBytes) {
			return this.socket.close(CLOSE.slowReader.code, CLOSE.slowReader.reason);
		}
		this.socket.send(data);
	}
	sendJson(message: ServerMessage) {
		this.send(JSON.stringify(message));
	}

	/**
	 * Runs work after this connection's earlier work, so that its frames are handled in the order
	 * sent whatever the store's latency; a failure closes this socket (1011), never the process.
	 */
	queue(work: () => Promise<void>): Promise<void> {
		this.turn = this.turn.then(work).catch((err: unknown) => {
			console.error('websocket error', err);
			this.socket.close(1011, 'Server error');
		});
		return this.turn;
	}
}
