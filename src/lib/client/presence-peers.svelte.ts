import { SvelteMap } from 'svelte/reactivity';
import { PRESENCE, type SyncFrame } from '../protocol/frames.ts';
import { parseDocId } from '../protocol/messages.ts';
import { PeerPresence } from '../protocol/presence.ts';
import { decodeAwarenessUpdate, encodeAwarenessUpdate, type AwarenessEntry } from '../protocol/awareness.ts';

/** A peer as this client keeps it: its awareness id (one per connection and document), its clock and its validated state. */
export interface Peer {
	clientId: number;
	clock: number;
	state: PeerPresence;
}

const NONE: readonly Peer[] = [];

/**
 * Who else is on each document, as the server says in PRESENCE frames. Each document's list is
 * replaced whole on a change, so a page reads only the documents it shows. Entries that fail
 * PeerPresence, and this user's own (this browser's or another's: the bars list others), are left out.
 */
export class PeerStore {
	private readonly docs = new SvelteMap<string, readonly Peer[]>();

	constructor(private readonly userId: string) {}

	/** Everyone present on a document, in the order they came. */
	on(docId: string): readonly Peer[] {
		return this.docs.get(docId) ?? NONE;
	}

	/** The documents of an organization with anyone on them. */
	docsOf(orgId: string): string[] {
		return [...this.docs.keys()].filter((docId) => parseDocId(docId)?.orgId === orgId);
	}

	/** Applies an awareness update; a malformed one changes nothing, an invalid entry is skipped. */
	receive(docId: string, payload: Uint8Array) {
		let entries: AwarenessEntry[];
		try {
			entries = decodeAwarenessUpdate(payload);
		} catch {
			return;
		}
		if (!parseDocId(docId)) return;
		// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a working copy, stored whole
		const peers = new Map(this.on(docId).map((p) => [p.clientId, p]));
		for (const { clientId, clock, state } of entries) {
			if (state === null) {
				peers.delete(clientId);
				continue;
			}
			const parsed = PeerPresence.safeParse(state);
			if (!parsed.success || parsed.data.user.id === this.userId) continue;
			peers.set(clientId, { clientId, clock, state: parsed.data });
		}
		if (peers.size) this.docs.set(docId, [...peers.values()]);
		else this.docs.delete(docId);
	}

	/** Forgets a document's presence (access revoked); an organization's takes its projects' and billing's with it. */
	forget(docId: string) {
		const parsed = parseDocId(docId);
		if (!parsed) return;
		const whole = parsed.projectId === undefined && !parsed.billing;
		for (const id of [...this.docs.keys()]) if (id === docId || (whole && parseDocId(id)?.orgId === parsed.orgId)) this.docs.delete(id);
	}

	/** Offline or signed out: no one is shown as present (the server says again who is, once reconnected). */
	clear() {
		this.docs.clear();
	}

	/** Everything known, as frames: what a tab that opens after the server said so is told by the leader. */
	frames(): SyncFrame[] {
		return [...this.docs].map(([doc, peers]) => ({
			doc,
			kind: PRESENCE,
			payload: encodeAwarenessUpdate(peers.map(({ clientId, clock, state }) => ({ clientId, clock, state })))
		}));
	}
}
