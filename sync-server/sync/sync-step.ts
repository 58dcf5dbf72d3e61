import * as Y from 'yjs';
import type { Refusal } from '$lib/domain/index.ts';
import { encodeSyncFrame, SYNC_STEP2, type SyncFrame } from '$lib/protocol/frames.ts';
import { parseDocId, revokedCode } from '$lib/protocol/messages.ts';
import type { Connection } from '../socket.ts';
import { subscribe } from './connections.ts';
import type { Rooms } from './rooms.ts';

export interface SyncStepDeps {
	rooms: Rooms;
	/** The organization's session timeouts; a refusal, or nothing, and the ask counts as activity. */
	enterOrg(sessionHash: string, userId: string, orgId: string): Promise<Refusal | undefined>;
	/** Resolves once no commit is under way. */
	quiet(): Promise<void>;
	/** Sends a connection that just subscribed to a document everyone present on it (presence.ts). */
	greet(conn: Connection, docId: string): void;
}

export function frameError(conn: Connection, code: Refusal['code'], message: string) {
	conn.sendJson({ t: 'error', code, message });
}

/**
 * Sync step 1 (a state vector) from a client is answered with what it lacks of a document it may
 * read, which subscribes it; then it is sent who is present there. Clients never write documents.
 */
export async function answerSyncStep1({ rooms, enterOrg, quiet, greet }: SyncStepDeps, conn: Connection, frame: SyncFrame) {
	const orgId = parseDocId(frame.doc)?.orgId;
	let room = orgId === undefined ? undefined : await rooms.load(orgId);
	const expired = room && (await enterOrg(conn.sessionHash, conn.userId, room.orgId));
	if (expired) return conn.sendJson({ t: 'revoked', doc: frame.doc, reason: expired.message, code: revokedCode(expired) });
	// Answered from what is committed: no commit is under way from here to the answer, and the copy is the one kept
	// (a failed commit lets its copy go; the next one is read from the store).
	await quiet();
	while (room && rooms.get(room.orgId) !== room) {
		room = await rooms.load(room.orgId);
		await quiet();
	}
	const docRoom = room?.docRoom(frame.doc);
	if (!room || !docRoom || !room.mayRead(frame.doc, conn.userId)) {
		return conn.sendJson({ t: 'revoked', doc: frame.doc, reason: 'You may not read this document.' });
	}
	let diff;
	try {
		diff = Y.encodeStateAsUpdate(docRoom.doc, frame.payload);
	} catch {
		return frameError(conn, 'INVALID_FRAME', 'The state vector could not be read.');
	}
	if (!subscribe(conn, docRoom)) return;
	// The answer counts against the asker's byte budget: asking again and again for a large document costs it, not the server.
	const answer = encodeSyncFrame(docRoom.docId, SYNC_STEP2, diff);
	conn.budget.charge(0, answer.byteLength);
	conn.send(answer);
	greet(conn, docRoom.docId);
}
