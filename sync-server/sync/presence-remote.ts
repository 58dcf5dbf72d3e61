import { PeerPresence } from '$lib/protocol/presence.ts';
import type { AwarenessEntry } from '$lib/protocol/awareness.ts';

interface Remote {
	readonly docId: string;
	readonly clientId: number;
	clock: number;
	state: PeerPresence;
	renewedAt: number;
}

/**
 * Who is present on documents through other servers sharing the store (their connections'
 * entries, as those servers relayed them): kept so that a connection subscribing here is sent
 * them too, and forgotten when not renewed, should their server stop without saying so.
 */
export class RemotePresence {
	private readonly docs = new Map<string, Map<number, Remote>>();
	/** The least recently renewed first, as for local entries. */
	private readonly renewals = new Set<Remote>();

	/** Whether a client id is present through another server: a connection here may not take it. */
	has(docId: string, clientId: number): boolean {
		return this.docs.get(docId)?.has(clientId) ?? false;
	}

	/**
	 * Takes another server's update at `now`: the entries that change something here, to relay to
	 * this server's subscribers. `boundHere` client ids belong to connections here and are left alone.
	 */
	take(docId: string, entries: readonly AwarenessEntry[], now: number, boundHere: (clientId: number) => boolean): AwarenessEntry[] {
		const known = this.docs.get(docId) ?? new Map<number, Remote>();
		const fresh: AwarenessEntry[] = [];
		for (const e of entries) {
			const had = known.get(e.clientId);
			if (boundHere(e.clientId) || (had && e.clock <= had.clock)) continue;
			if (had) this.renewals.delete(had);
			if (e.state === null) {
				if (!had) continue;
				known.delete(e.clientId);
			} else {
				// Servers sharing a store trust each other, but a state that is not presence is never passed on.
				const state = PeerPresence.safeParse(e.state);
				if (!state.success) continue;
				const remote = { docId, clientId: e.clientId, clock: e.clock, state: state.data, renewedAt: now };
				known.set(e.clientId, remote);
				this.renewals.add(remote);
			}
			fresh.push(e);
		}
		if (known.size) this.docs.set(docId, known);
		else this.docs.delete(docId);
		return fresh;
	}

	/** The entries present on a document through other servers. */
	entries(docId: string): AwarenessEntry[] {
		return [...(this.docs.get(docId)?.values() ?? [])].map(({ clientId, clock, state }) => ({ clientId, clock, state }));
	}

	/** Forgets entries not renewed since `cutoff`; answers their removals, by document. */
	expire(cutoff: number): { docId: string; removal: AwarenessEntry }[] {
		const removed = [];
		for (const remote of this.renewals) {
			if (remote.renewedAt > cutoff) break;
			this.renewals.delete(remote);
			const known = this.docs.get(remote.docId);
			known?.delete(remote.clientId);
			if (!known?.size) this.docs.delete(remote.docId);
			removed.push({ docId: remote.docId, removal: { clientId: remote.clientId, clock: remote.clock + 1, state: null } });
		}
		return removed;
	}
}
