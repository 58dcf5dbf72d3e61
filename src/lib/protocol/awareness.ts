import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** One entry of a y-protocols/awareness update: a client id, its clock, and its state (`null`: gone). */
export interface AwarenessEntry {
	clientId: number;
	clock: number;
	state: unknown;
}

/**
 * y-protocols/awareness's wire format (awareness.js encodeAwarenessUpdate), read and written
 * without an Awareness instance, whose timers and local state neither side has use for: the server
 * keeps each connection's entry, the console the peers it was told of. Throws on anything
 * malformed (trailing bytes included).
 */
export function decodeAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
	const d = decoding.createDecoder(update);
	const count = decoding.readVarUint(d);
	const entries: AwarenessEntry[] = [];
	// Each entry takes at least three bytes: a count beyond that is a lie, not a reason to loop.
	if (count > update.byteLength) throw new Error('awareness count beyond the update');
	for (let i = 0; i < count; i++) {
		const clientId = decoding.readVarUint(d);
		const clock = decoding.readVarUint(d);
		const state: unknown = JSON.parse(decoding.readVarString(d));
		entries.push({ clientId, clock, state });
	}
	if (decoding.hasContent(d)) throw new Error('trailing bytes');
	return entries;
}

export function encodeAwarenessUpdate(entries: readonly AwarenessEntry[]): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, entries.length);
	for (const { clientId, clock, state } of entries) {
		encoding.writeVarUint(e, clientId);
		encoding.writeVarUint(e, clock);
		encoding.writeVarString(e, JSON.stringify(state ?? null));
	}
	return encoding.toUint8Array(e);
}
