import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { publicProfile, type UserProfile } from '$lib/domain/index.ts';
import { encodeSyncFrame, SYNC_STEP1 } from '$lib/protocol/frames.ts';
import { CLOSE, parseDocId } from '$lib/protocol/messages.ts';
import { authenticateBearer, secretStillOpens, type BearerDeps } from './http/bearer.ts';
import { HttpError, type SignedIn } from './http/types.ts';
import type { SyncHub } from './hub.ts';
import type { Connection, Credential } from './socket.ts';
import {
	AWARENESS_HEARD,
	awarenessMessage,
	permissionDenied,
	readStockMessage,
	READ_ONLY,
	StockSocket,
	UNREADABLE
} from './sync/stock-socket.ts';
import { wsSocket } from './sync/transport.ts';
import { logRefused, type WebEdge } from './web-edge.ts';
import { contained, feed, refuseUpgrade } from './ws-feed.ts';

export const STOCK_PATH = '/yjs/';

export interface StockYjsDeps extends BearerDeps {
	edge: WebEdge;
	wss: WebSocketServer;
	hub: SyncHub;
	/** The signed-in user of a request, from its session cookie (HttpApi.session). */
	session: (req: IncomingMessage) => Promise<SignedIn | undefined>;
}

/** Who opened a socket: a person's session, or a service account's secret (its credential). */
interface Caller {
	user: UserProfile;
	sessionHash: string;
	credential?: Credential;
	/** The service account secret that opened it. */
	secretId?: string;
}

/** Refusals told by closing the accepted socket with 4000 + the status (docs/protocol.md, Stock Yjs clients). */
const CLOSED_FOR = new Set([401, 403, 404, 429]);

/** A close for a limit the caller may come back from is 45xx, which a stock provider retries; the others, 44xx, which it does not. */
const closeCode = (status: number) => (status === 429 ? 4529 : 4000 + status);

const tooMany = () => new HttpError(429, 'TOO_MANY_REQUESTS', 'Too many connections asked for at once: try again in a moment.');

/** One answer for a document that does not exist and one the caller may not read (invariant 10). */
const noDocument = () => new HttpError(404, 'DOC_NOT_FOUND', 'There is no document with this id that you may read.');

/**
 * `GET /yjs/{docId}`: a read-only endpoint for stock y-websocket clients (docs/protocol.md, Stock
 * Yjs clients). Each socket follows one document as a hub connection whose socket speaks
 * y-websocket (StockSocket), so access re-checks, revocation, limits and broadcast are the hub's;
 * what a client would write is refused and changes nothing.
 */
export class StockYjs {
	constructor(private readonly deps: StockYjsDeps) {}

	/** Everything a request can get wrong is found before the handshake; who may not have the document is told by a close code. */
	async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, path: string) {
		const { hub, wss, edge } = this.deps;
		let caller: Caller;
		let docId: string;
		try {
			caller = await this.caller(req);
			docId = this.docId(path);
			// An upgrade costs a frame of the user's budget, so a flood of them is turned away before the store is asked anything.
			if (hub.spend(caller.user.id) > 0) throw tooMany();
			if (!(await hub.readableDoc(caller.user.id, docId))) throw noDocument();
		} catch (err) {
			if (!(err instanceof HttpError) || !CLOSED_FOR.has(err.status)) return refuseUpgrade(edge, req, socket, err);
			logRefused('upgrade', req, err.message);
			// Accepted, then closed with 44xx: a stock provider retries a refused upgrade without end, but never a 44xx close.
			return wss.handleUpgrade(req, socket, head, (ws) => {
				ws.on('error', () => ws.terminate());
				ws.close(closeCode(err.status), Buffer.byteLength(err.message) <= 123 ? err.message : err.code);
			});
		}
		wss.handleUpgrade(req, socket, head, (ws) => {
			// First: a frame ws cannot read emits 'error'; unheard, it would end the process.
			ws.on('error', () => ws.terminate());
			contained(ws, () => {
				// Asked here, with nothing awaited before the attach: sockets upgraded at once cannot all pass it.
				if (!hub.mayConnect(caller.user.id)) return ws.close(closeCode(429), CLOSE.tooManySockets.reason);
				const stock = new StockSocket(wsSocket(ws), docId);
				const conn = hub.attach(stock, caller.user, caller.sessionHash, caller.credential);
				// The secret's use is recorded once it opened a socket, not for every upgrade tried.
				if (caller.secretId)
					void this.deps.accounts
						.touchServiceSecret(caller.secretId, this.deps.now())
						.catch((err: unknown) => console.error('recording a secret use failed', err));
				feed(
					ws,
					conn,
					(frame) => this.receive(conn, stock, frame),
					() => hub.detach(conn)
				);
			});
		});
	}

	/** The path's document id, percent-decoded (WebsocketProvider appends the room name to its URL as it is). */
	private docId(path: string): string {
		let docId: string;
		try {
			docId = decodeURIComponent(path.slice(STOCK_PATH.length));
		} catch {
			throw noDocument();
		}
		if (!parseDocId(docId)) throw noDocument();
		return docId;
	}

	/** A bearer secret when the request sends one (never a cookie then); else the session cookie, from this site only. */
	private async caller(req: IncomingMessage): Promise<Caller> {
		const { edge, session } = this.deps;
		if (req.headers.authorization !== undefined) {
			const found = await authenticateBearer(this.deps, req.headers.authorization);
			return {
				secretId: found.secretId,
				user: publicProfile(found.user),
				// No session has this key (theirs are hex hashes): session checks find none and leave the socket to its credential.
				sessionHash: `secret:${found.secretId}`,
				credential: { holds: () => secretStillOpens(this.deps, found), ended: CLOSE.secretEnded }
			};
		}
		if (!edge.sameOrigin(req)) throw new HttpError(403, 'BAD_ORIGIN', 'This connection came from another site, so it was refused.');
		const signedIn = await session(req);
		if (!signedIn)
			throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in first, or send a service account secret as "Authorization: Bearer …".');
		return { user: signedIn.user, sessionHash: signedIn.hash };
	}

	/** One message from the client, handled after the ones before it while its session or secret holds. */
	private receive(conn: Connection, stock: StockSocket, frame: string | Uint8Array) {
		const { hub } = this.deps;
		const reply = (message: Uint8Array) => stock.reply(message, conn.budget.limits.maxBufferedBytes);
		const message = typeof frame === 'string' ? undefined : readStockMessage(frame);
		switch (message?.type) {
			// Answered by the hub as a Roster client's step 1 is: with what it lacks, which subscribes it.
			case 'step1':
				return void hub.receive(conn, encodeSyncFrame(stock.follows, SYNC_STEP1, message.stateVector));
			// Refused unread: the server sends no step 1, so a stock provider sends a step 2 or an update only for an edit of its own.
			case 'write':
				return void hub.whileLive(conn, () => reply(permissionDenied(READ_ONLY)));
			case 'awareness':
				return void hub.whileLive(conn, () => reply(AWARENESS_HEARD));
			case 'queryAwareness':
				return void hub.whileLive(conn, () => {
					const present = conn.docs.has(stock.follows) ? hub.presenceOf(stock.follows) : undefined;
					if (present) reply(awarenessMessage(present));
				});
			default:
				return void hub.whileLive(conn, () => reply(permissionDenied(UNREADABLE)));
		}
	}
}
