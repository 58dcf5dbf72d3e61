import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { CLOSE } from '$lib/protocol/messages.ts';
import { Inbox } from './budget.ts';
import { HttpError } from './http/types.ts';
import type { Connection } from './socket.ts';
import { logRefused, type WebEdge } from './web-edge.ts';

/**
 * While a socket is over its budget, ws hands out what it has already read one message per turn
 * (as its `allowSynchronousEvents: false` does for every socket): a backlog of thousands of
 * frames read at once then cannot hold the loop, yet sockets within budget keep reading in bulk,
 * which the held rate needs. The flag is a field of ws 8.23's receiver (pinned), read per message.
 */
function oneMessagePerTurn(ws: WebSocket, on: boolean) {
	const receiver = (ws as unknown as { _receiver?: { _allowSynchronousEvents: boolean } })._receiver;
	if (receiver) receiver._allowSynchronousEvents = !on;
}

/** Runs a socket's work; a failure ends that socket (1011), never the process. */
export function contained(ws: WebSocket, work: () => void) {
	try {
		work();
	} catch (err) {
		console.error('websocket error', err);
		ws.close(1011, 'Server error');
	}
}

/** An upgrade refused before the handshake, while an HTTP answer is still possible: its status and `{code, message}`. */
export function refuseUpgrade(edge: WebEdge, req: IncomingMessage, socket: Duplex, err: unknown) {
	const e = err instanceof HttpError ? err : new HttpError(500, 'INTERNAL', 'Something went wrong on the server.');
	if (err instanceof HttpError) logRefused('upgrade', req, e.message);
	else console.error('upgrade error', err);
	edge.refuseSocket(socket, e.status, e.code, e.message, e.headers);
}

/**
 * Hands what an attached socket sends to `handle`, within its connection's budget (budget.ts
 * Inbox: over it, the socket is paused; far over it, closed with 4429); `closed` once it closes.
 */
export function feed(ws: WebSocket, conn: Connection, handle: (frame: string | Uint8Array) => void, closed: () => void) {
	const inbox = new Inbox(conn.budget, {
		// Nothing more is handled once the server has decided to close it; a frame handled later (from a timer) is contained too.
		handle: (frame) => ws.readyState === ws.OPEN && contained(ws, () => handle(frame)),
		pause: () => {
			if (ws.readyState !== ws.OPEN) return;
			ws.pause();
			oneMessagePerTurn(ws, true);
		},
		resume: () => {
			oneMessagePerTurn(ws, false);
			ws.resume();
		},
		overflow: () => conn.socket.close(CLOSE.tooMany.code, CLOSE.tooMany.reason)
	});
	ws.on('message', (data, isBinary) =>
		contained(ws, () => {
			const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
			inbox.push(isBinary ? new Uint8Array(bytes) : bytes.toString('utf8'));
		})
	);
	ws.on('close', () =>
		contained(ws, () => {
			inbox.close();
			closed();
		})
	);
}
