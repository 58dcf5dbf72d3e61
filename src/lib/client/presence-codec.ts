import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** One awareness client's entry: its id, its clock (renewals count up) and its state as JSON (`null`: gone). */
export interface AwarenessEntry {
	clientID: number;
	clock: number;
	state: unknown;
}

/**
 * The y-protocols/awareness update format (encodeAwarenessUpdate): [count][clientID, clock, JSON state]*.
 * Written here with lib0 rather than through an Awareness instance, whose own timers and local state
 * this client has no use for: the server, not the client, keeps who is present.
 */
export function encodeAwareness(entries: readonly AwarenessEntry[]): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, entries.length);
	for (const { clientID, clock, state } of entries) {
		encoding.writeVarUint(e, clientID);
		encoding.writeVarUint(e, clock);
		encoding.writeVarString(e, JSON.stringify(state ?? null));
	}
	return encoding.toUint8Array(e);
}

/** The entries of an update, or undefined when it is malformed (truncated, trailing bytes, not JSON). */
export function decodeAwareness(payload: Uint8Array): AwarenessEntry[] | undefined {
	try {
		const d = decoding.createDecoder(payload);
		const count = decoding.readVarUint(d);
		const entries: AwarenessEntry[] = [];
		for (let i = 0; i < count; i++) {
			const clientID = decoding.readVarUint(d);
			const clock = decoding.readVarUint(d);
			entries.push({ clientID, clock, state: JSON.parse(decoding.readVarString(d)) as unknown });
		}
		return decoding.hasContent(d) ? undefined : entries;
	} catch {
		return undefined;
	}
}
