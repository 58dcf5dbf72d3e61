import * as Y from 'yjs';
import type { Refusal } from '$lib/domain/index.ts';
import { decodeSyncFrame, encodeSyncFrame, SYNC_STEP1, SYNC_STEP2 } from '$lib/protocol/frames.ts';
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
}

export function frameError(conn: Connection, code: Refusal['code'], message: string) {
	conn.sendJson({ t: 'error', code, message });
}

/**
 * A binary frame: only sync step 1 (a state vector) may come from a client, and is answered
 * with what it lacks of a document it may read, which subscribes it. Clients never write documents.
 */
export async function answerSyncStep1({ rooms, enterOrg, quiet }: SyncStepDeps, conn: Connection, data: Uint8Array) {
	let frame;
	try {
		frame = decodeSyncFrame(data);
	} catch {
		return frameError(conn, 'INVALID_FRAME', 'A binary frame could not be read.');
	}
	if (frame.kind !== SYNC_STEP1) {
		return frameError(
			conn,
			'RAW_UPDATE_REFUSED',
			'Documents are written by the server only; send a mutation instead. The update was ignored.'
		);
	}
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
}
