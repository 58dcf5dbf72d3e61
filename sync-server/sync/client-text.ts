import { unknownFields } from '$lib/domain/index.ts';
import { CLOSE, ClientMessage, type VerdictMessage } from '$lib/protocol/messages.ts';
import type { Connection } from '../socket.ts';
import type { HubWaiter } from './access-sync.ts';
import type { Verdict } from './committed-batch.ts';
import { frameError } from './sync-step.ts';

/** A text frame as a message Roster knows; anything else is answered with INVALID_FRAME here (undefined then). */
export function parseClientText(conn: Connection, text: string): ClientMessage | undefined {
	let parsed;
	try {
		parsed = ClientMessage.safeParse(JSON.parse(text));
	} catch {
		frameError(conn, 'INVALID_FRAME', 'A text frame was not valid JSON.');
		return undefined;
	}
	if (parsed.success) return parsed.data;
	const unknown = unknownFields(parsed.error);
	frameError(conn, 'INVALID_FRAME', unknown ? `${unknown} in a mutate message.` : 'A text frame was not a message Roster knows.');
	return undefined;
}

export function verdictMessage(id: string, v: Verdict): VerdictMessage {
	return v.ok ? { t: 'verdict', id, ok: true } : { t: 'verdict', id, ok: false, code: v.code, message: v.message };
}

/**
 * Who waits for the verdict of a mutation a socket sent. Not durable (the store failed): the socket
 * is closed (1013) and marked in `abandoned`, so that nothing more it sent is checked: the client
 * keeps it all pending and sends it again, in order, once reconnected.
 */
export function socketWaiter(conn: Connection, id: string, abandoned: WeakSet<Connection>): HubWaiter & { fail(): void } {
	return {
		conn,
		settle: (verdict) => conn.sendJson(verdictMessage(id, verdict)),
		fail: () => {
			abandoned.add(conn);
			conn.socket.close(CLOSE.storeUnavailable.code, CLOSE.storeUnavailable.reason);
		},
		gone: () => abandoned.has(conn)
	};
}
