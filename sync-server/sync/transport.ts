import type { WebSocket } from 'ws';
import type { Socket } from '../socket.ts';

/** The hub's side of a `ws` socket. */
export function wsSocket(ws: WebSocket): Socket {
	return {
		isOpen: () => ws.readyState === ws.OPEN,
		send: (data) => ws.send(data),
		close: (code, reason) => {
			ws.close(code, reason);
			// Read again (a budget may have paused it), so the peer's closing handshake is heard.
			ws.resume();
		},
		bufferedAmount: () => ws.bufferedAmount
	};
}

type Frame = string | Uint8Array;

/**
 * Both ends of a socket in memory, for tests: nothing moves until it is flushed, so a test
 * decides when each side hears the other (no network, no timers). What the server sent and
 * the client has not taken counts as buffered, as on a real socket whose peer stopped reading.
 */
export class MemorySocketPair {
	private toServer: Frame[] = [];
	private toClient: Frame[] = [];
	/** How the server closed it, once it did. */
	closed: { code: number; reason: string } | undefined;
	/** Where frames the client sent arrive when flushed (the hub's receive, once connected). */
	deliver: (frame: Frame) => void = () => {};

	/** The server's end. */
	readonly serverSocket: Socket = {
		isOpen: () => !this.closed,
		send: (data) => {
			this.toClient.push(data);
		},
		close: (code, reason) => {
			this.closed ??= { code, reason };
		},
		bufferedAmount: () => this.toClient.reduce((n, f) => n + (typeof f === 'string' ? Buffer.byteLength(f) : f.byteLength), 0)
	};

	/** The client sends; the server hears it on the next flushClientSent. */
	clientSend(frame: Frame) {
		this.toServer.push(frame);
	}

	flushClientSent() {
		const frames = this.toServer;
		this.toServer = [];
		for (const frame of frames) this.deliver(frame);
	}

	/** What the server sent since the last flush, in order; the client has taken it. */
	flushServerSent(): Frame[] {
		const frames = this.toClient;
		this.toClient = [];
		return frames;
	}
}
