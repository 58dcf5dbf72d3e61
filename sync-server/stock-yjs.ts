import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { publicProfile, type UserProfile } from '$lib/domain/index.ts';
import { encodeSyncFrame, SYNC_STEP1 } from '$lib/protocol/frames.ts';
import { CLOSE, parseDocId } from '$lib/protocol/messages.ts';
import { authenticateBearer, secretStillOpens, type BearerDeps } from './http/bearer.ts';
import { HttpError, type SignedIn } from './http/types.ts';
import type { SyncHub } from './hub.ts';
import type { Connection, Credential } from './socket.ts';
import { awarenessMessage, permissionDenied, readStockMessage, READ_ONLY, StockSocket, UNREADABLE } from './sync/stock-socket.ts';
import { wsSocket } from './sync/transport.ts';
import { wouldChange } from './sync/would-change.ts';
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
}

/** What a write is checked against when the caller may no longer read the document: anything it holds is a change. */
const NOTHING = new Y.Doc();

/** Refusals told by closing the accepted socket with 4000 + the status (docs/protocol.md, Stock Yjs clients). */
const CLOSED_FOR = new Set([401, 403, 404, 429]);

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
			if (!hub.mayConnect(caller.user.id))
				throw new HttpError(429, 'TOO_MANY_SOCKETS', 'You have as many connections open as you may: close another one first.');
			if (!(await hub.readableDoc(caller.user.id, docId))) throw noDocument();
		} catch (err) {
			if (!(err instanceof HttpError) || !CLOSED_FOR.has(err.status)) return refuseUpgrade(edge, req, socket, err);
			logRefused('upgrade', req, err.message);
			// Accepted, then closed with 44xx: a stock provider retries a refused upgrade without end, but never a 44xx close.
			return wss.handleUpgrade(req, socket, head, (ws) => {
				ws.on('error', () => ws.terminate());
				ws.close(4000 + err.status, Buffer.byteLength(err.message) <= 123 ? err.message : err.code);
			});
		}
		wss.handleUpgrade(req, socket, head, (ws) => {
			// First: a frame ws cannot read emits 'error'; unheard, it would end the process.
			ws.on('error', () => ws.terminate());
			contained(ws, () => {
				const stock = new StockSocket(wsSocket(ws), docId);
				const conn = hub.attach(stock, caller.user, caller.sessionHash, caller.credential);
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
		const { edge, session, accounts, now } = this.deps;
		if (req.headers.authorization !== undefined) {
			const found = await authenticateBearer(this.deps, req.headers.authorization);
			await accounts.touchServiceSecret(found.secretId, now());
			return {
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
		const message = typeof frame === 'string' ? undefined : readStockMessage(frame);
		switch (message?.type) {
			// Answered by the hub as a Roster client's step 1 is: with what it lacks, which subscribes it.
			case 'step1':
				return void hub.receive(conn, encodeSyncFrame(stock.docId, SYNC_STEP1, message.stateVector));
			case 'write':
				return void hub.whileLive(conn, async () => {
					const doc = (await hub.readableDoc(conn.userId, stock.docId)) ?? NOTHING;
					const refusal = changes(doc, message.update);
					if (refusal) stock.reply(permissionDenied(refusal));
				});
			// Not shown to anyone: only sent back to its sender, which keeps a stock provider's 30-second watchdog from reconnecting.
			case 'awareness':
				return void hub.whileLive(conn, () => stock.reply(frame as Uint8Array));
			case 'queryAwareness':
				return void hub.whileLive(conn, () => {
					const present = conn.docs.has(stock.docId) ? hub.presenceOf(stock.docId) : undefined;
					if (present) stock.reply(awarenessMessage(present));
				});
			default:
				return void hub.whileLive(conn, () => stock.reply(permissionDenied(UNREADABLE)));
		}
	}
}

/** Why an update from a stock client is refused, if it is: one that would change the document; one that changes nothing passes silently. */
function changes(doc: Y.Doc, update: Uint8Array): string | undefined {
	try {
		return wouldChange(doc, update) ? READ_ONLY : undefined;
	} catch {
		return UNREADABLE;
	}
}
