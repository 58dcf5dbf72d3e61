import * as Y from 'yjs';
import { encodeSyncFrame, SYNC_UPDATE } from '$lib/protocol/frames.ts';
import type { Refusal } from '$lib/domain/index.ts';
import { parseDocId, revokedCode } from '$lib/protocol/messages.ts';
import { batchAccessToRecheck } from '../change-effects.ts';
import type { DocRoom } from '../doc-room.ts';
import type { OrgRoom } from '../org-room.ts';
import type { OrgSessions } from '../org-sessions.ts';
import type { Connection } from '../socket.ts';
import type { CommittedBatch, Waiter } from './committed-batch.ts';
import { subscribe, type Connections } from './connections.ts';
import type { Rooms } from './rooms.ts';

/** A waiter for a verdict: a connection that sent (or retried) the mutation, or a caller outside one. */
export interface HubWaiter extends Waiter {
	conn?: Connection;
}

/**
 * Who may read what, kept in line with the documents: after each committed batch, revokes and
 * grants subscriptions and sends the batch's updates to those who may read them; and takes an
 * organization back from a session whose timeout passed there.
 */
export class AccessSync {
	constructor(
		private readonly connections: Connections,
		private readonly rooms: Rooms,
		private readonly orgSessions: OrgSessions,
		/** Sends a connection that just subscribed to a document everyone present on it (presence.ts). */
		private readonly greet: (conn: Connection, docId: string) => void
	) {}

	/** Reads ahead what publishing a batch asks of the sessions of those whose access it changes. */
	async prepare(batch: CommittedBatch<HubWaiter>) {
		for (const [room, userId] of batchAccessToRecheck(batch)) {
			for (const conn of this.connections.of(userId)) await this.orgSessions.prepare(conn.sessionHash, userId, room.orgId);
		}
	}

	/**
	 * Whoever lost access stops receiving before anything is broadcast; then the senders get
	 * their updates, any document they just gained, and their verdicts; then everyone else.
	 */
	publish(batch: CommittedBatch<HubWaiter>) {
		const access = batchAccessToRecheck(batch);
		for (const [room, userId, docIds] of access) this.sync(room, userId, docIds, 'revoke');
		const waiting = new Set(batch.entries.flatMap((e) => e.waiters.flatMap((w) => w.conn ?? [])));
		const frames = batch.updates.map(({ room, docRoom, update }) => ({
			room,
			docRoom,
			frame: encodeSyncFrame(docRoom.docId, SYNC_UPDATE, update)
		}));
		const broadcast = (toWaiting: boolean) => {
			for (const { room, docRoom, frame } of frames) {
				for (const conn of docRoom.subscribers) {
					if (waiting.has(conn) === toWaiting && this.mayReceive(room, docRoom.docId, conn)) conn.send(frame);
				}
			}
		};
		broadcast(true);
		// Whoever gained access gets whole documents, which include this batch.
		for (const [room, userId, docIds] of access) this.sync(room, userId, docIds, 'grant');
		for (const e of batch.entries) for (const w of e.waiters) w.settle(e.verdict);
		broadcast(false);
	}

	/**
	 * Whether a subscriber may be sent a frame of a document now: access is re-checked on every
	 * send, not only when subscribing, and so is the organization's session timeout; a subscriber
	 * failing either is revoked (and told) instead.
	 */
	mayReceive(room: OrgRoom, docId: string, conn: Connection): boolean {
		const expired = this.orgSessions.refusal(conn.sessionHash, conn.userId, room.orgId);
		if (expired) this.revokeOrg(conn.sessionHash, conn.userId, room.orgId, expired);
		else if (room.mayRead(docId, conn.userId)) return true;
		else this.sync(room, conn.userId, [docId], 'revoke');
		return false;
	}

	/** Sends a user's sockets every document of the organization it may read now and lacks (it joined on another server). */
	grantAll(room: OrgRoom, userId: string) {
		this.sync(room, userId, room.docIds(), 'grant');
	}

	/** Unsubscribes a session's sockets from an organization whose session timeout passed, saying so. */
	revokeOrg(sessionHash: string, userId: string, orgId: string, refusal: Refusal) {
		for (const conn of this.connections.of(userId)) {
			if (conn.sessionHash !== sessionHash) continue;
			for (const docId of conn.docs) {
				if (parseDocId(docId)?.orgId !== orgId) continue;
				this.connections.unsubscribe(conn, this.rooms.get(orgId)?.docRoom(docId), docId);
				conn.sendJson({ t: 'revoked', doc: docId, reason: refusal.message, code: revokedCode(refusal) });
			}
		}
	}

	/** Subscribes a connection to a document it gained and sends it whole, unless its session timed out there. */
	private grant(conn: Connection, room: OrgRoom, docRoom: DocRoom) {
		if (this.orgSessions.refusal(conn.sessionHash, conn.userId, room.orgId) || !subscribe(conn, docRoom)) return;
		conn.send(encodeSyncFrame(docRoom.docId, SYNC_UPDATE, Y.encodeStateAsUpdate(docRoom.doc)));
		this.greet(conn, docRoom.docId);
	}

	/** Brings a user's live subscriptions to `docIds` in line with what it may read now. */
	private sync(room: OrgRoom, userId: string, docIds: readonly string[], mode: 'revoke' | 'grant') {
		const conns = this.connections.of(userId);
		if (!conns.size) return;
		for (const docId of docIds) {
			const docRoom = room.docRoom(docId);
			if (!docRoom) continue;
			const may = room.mayRead(docId, userId);
			for (const conn of conns) {
				const has = conn.docs.has(docId);
				if (mode === 'revoke' && has && !may) {
					this.connections.unsubscribe(conn, docRoom, docId);
					conn.sendJson({ t: 'revoked', doc: docId, reason: 'You no longer have access to this.' });
				} else if (mode === 'grant' && !has && may) {
					if (this.orgSessions.prepared(conn.sessionHash, room.orgId)) this.grant(conn, room, docRoom);
					// A socket opened after the batch was prepared: its session's timeouts are read first (fail closed).
					else
						void this.orgSessions
							.prepare(conn.sessionHash, userId, room.orgId)
							.then(() => !conn.docs.has(docId) && room.mayRead(docId, userId) && this.grant(conn, room, docRoom))
							.catch((err: unknown) => console.error('access grant failed', err));
				}
			}
		}
	}
}
