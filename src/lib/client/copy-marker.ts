import Dexie from 'dexie';
import { entryNames, parseMutation, recordedNames, type Names } from '../domain/index.ts';
import type { OutboxEntry } from './db.ts';
import { describeQueued } from './describe.ts';
import { localCopy } from './local-copy.svelte.ts';
import type { Replicas } from './replicas.ts';

// The marker lives outside IndexedDB so that it outlives the database: the browser may clear one and not the other.
const markerKey = (userId: string) => `roster.copy.${userId}`;

/** Names for a description from the organization's replica, generic where it knows none. */
function namesFor(replicas: Replicas, entry: OutboxEntry, userId: string): Names {
	const generic: Names = { user: () => 'a member', team: () => 'a team', project: () => 'a project', invitation: () => 'an invitee' };
	const state = replicas.get(entry.orgId)?.state;
	const parsed = parseMutation(entry.mutation);
	return state && parsed.ok ? recordedNames(entryNames(state, parsed.mutation, userId), generic) : generic;
}

/** Remembers that this browser holds the user's copy, and what is pending in it, for telling an eviction apart from a first visit. */
export function rememberCopy(userId: string, entries: readonly OutboxEntry[], replicas: Replicas) {
	const pending = entries.filter((e) => e.status === 'pending').map((e) => describeQueued(e, namesFor(replicas, e, userId)));
	try {
		localStorage.setItem(markerKey(userId), JSON.stringify({ pending }));
	} catch {
		// localStorage full too: an eviction would go unexplained, nothing else is lost.
	}
}

/**
 * Before the session opens its database: if this browser had the user's copy and the database is
 * gone, the browser evicted it. The session rebuilds it from the server; `lost` says what was pending.
 */
export async function checkEviction(userId: string) {
	const marker = localStorage.getItem(markerKey(userId));
	if (marker === null || (await Dexie.exists(`roster-${userId}`))) return;
	try {
		const { pending } = JSON.parse(marker) as { pending: unknown };
		localCopy.lost = Array.isArray(pending) ? pending.map(String) : [];
	} catch {
		localCopy.lost = [];
	}
}

/** Sign-out deletes the copy on purpose: forget the marker with it. */
export function forgetCopy(userId: string) {
	localStorage.removeItem(markerKey(userId));
	localCopy.lost = null;
	localCopy.full = false;
}

/** Keeps the marker current while a session runs: written now and after every change of its outbox; returns how to stop. */
export function keepMarker(
	userId: string,
	outbox: { readonly entries: readonly OutboxEntry[]; listen(fn: () => void): () => void },
	replicas: Replicas
): () => void {
	const write = () => rememberCopy(userId, outbox.entries, replicas);
	write();
	return outbox.listen(write);
}
