import { mayBeShownEditing, unknownFields, type OrgState } from '$lib/domain/index.ts';
import { encodeSyncFrame, PRESENCE } from '$lib/protocol/frames.ts';
import { parseDocId } from '$lib/protocol/messages.ts';
import { ClientPresence, PeerPresence } from '$lib/protocol/presence.ts';
import type { Connection } from '../socket.ts';
import type { DocumentStore } from '../storage/documents.ts';
import { decodeAwarenessUpdate, encodeAwarenessUpdate, type AwarenessEntry } from '$lib/protocol/awareness.ts';
import { RemotePresence } from './presence-remote.ts';
import type { OrgRoom } from '../org-room.ts';
import type { Rooms } from './rooms.ts';

/** y-protocols/awareness forgets a state not renewed for 30 s; so does the server (clients renew every ~15 s). */
export const PRESENCE_TIMEOUT_MS = 30_000;
/** At most one relay per connection and document per window (4 a second): a faster client's latest state goes out at the window's end. */
export const PRESENCE_WINDOW_MS = 250;
const SWEEP_EVERY_MS = 5_000;

/** One connection's awareness client id on one document. */
interface Present {
	readonly conn: Connection;
	readonly docId: string;
	readonly clientId: number;
	/** When this client id was last seen arriving (first stated, or stated again after leaving; the hub's clock): what peers are told as `since`. */
	since: number;
	/** The last clock the client stated: an older or equal one is stale. */
	clock: number;
	/** The last clock peers were sent; every relay goes above it, so that a state after a removal the server sent still counts. */
	sent: number;
	/** As relayed; null once the client said it left or its state expired (its client id stays bound to its connection). */
	state: PeerPresence | null;
	renewedAt: number;
	/** When it was last relayed, and the relay waiting for the window's end. */
	relayedAt: number;
	timer?: ReturnType<typeof setTimeout>;
}

/** A document's present clients, by client id and by connection: one each way. */
interface DocPresence {
	byClient: Map<number, Present>;
	byConn: Map<Connection, Present>;
}

/**
 * Presence (docs/protocol.md, Presence): who is on which page of a document right now. Never
 * stored. A connection states only its own entry, of a document it follows and may read; the
 * server adds who it is and relays it to the document's other subscribers who may read it.
 * Every relay visits the document's subscribers only. Servers sharing a store pass each other
 * their relays (PostgreSQL NOTIFY), each sending them on to its own subscribers who may read.
 */
export class Presence {
	private readonly docs = new Map<string, DocPresence>();
	/** Stated entries, the least recently renewed first (a renewal moves one to the end): the sweep stops at the first fresh one. */
	private readonly renewals = new Set<Present>();
	private readonly remote = new RemotePresence();
	private readonly sweeper: ReturnType<typeof setInterval>;
	private readonly stopWatching: () => void;
	/** Closed with the server: sockets closing after it are not shared with the others (its store is closing). */
	private closed = false;

	constructor(
		private readonly rooms: Rooms,
		private readonly now: () => number,
		private readonly others: Pick<DocumentStore, 'sharePresence' | 'watchPresence'>,
		/** Whether a subscriber may be sent a frame of the document now (AccessSync.mayReceive: read access and session timeout, revoking otherwise). */
		private readonly mayReceive: (room: OrgRoom, docId: string, conn: Connection) => boolean
	) {
		this.sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
		this.sweeper.unref();
		this.stopWatching = others.watchPresence((docId, update) => this.fromOtherServer(docId, update));
	}

	/** Stops its timers; other servers are told at once that this one's connections are gone, rather than 30 s later. */
	close() {
		for (const doc of this.docs.values()) {
			for (const entry of doc.byConn.values()) {
				if (entry.state || entry.timer) this.others.sharePresence(entry.docId, this.removal(entry));
			}
		}
		this.closed = true;
		this.stopWatching();
		clearInterval(this.sweeper);
		for (const doc of this.docs.values()) for (const entry of doc.byConn.values()) clearTimeout(entry.timer);
	}

	/** A presence update from a connection: a refusal's sentence, or nothing once taken (or ignored as stale). */
	receive(conn: Connection, docId: string, update: Uint8Array): string | undefined {
		let entries: AwarenessEntry[];
		try {
			entries = decodeAwarenessUpdate(update);
		} catch {
			return 'A presence update could not be read; it was ignored.';
		}
		if (entries.length !== 1) return 'A presence update holds exactly one entry, your own; it was ignored.';
		const [{ clientId, clock, state }] = entries as [AwarenessEntry];
		// Above 2^53 a clock no longer counts up by one: peers would miss the removal that follows it.
		if (!Number.isSafeInteger(clock) || clock > 2 ** 52) return 'A presence clock that large cannot count on; the update was ignored.';
		const room = this.rooms.get(parseDocId(docId)?.orgId ?? '');
		const member = room?.state.member(conn.userId);
		if (!conn.docs.has(docId) || !member || !room?.mayRead(docId, conn.userId)) {
			return 'You may be present only on a document you have synced and may read; the update was ignored.';
		}
		const parsed = state === null ? undefined : ClientPresence.safeParse(state);
		if (parsed && !parsed.success) {
			const unknown = unknownFields(parsed.error);
			return `${unknown ? `${unknown} in a presence state` : 'A presence state names a page and a row from fixed lists only'}; the server says who you are. It was ignored.`;
		}
		const doc = this.docs.get(docId) ?? { byClient: new Map(), byConn: new Map() };
		const mine = doc.byConn.get(conn);
		const bound = doc.byClient.get(clientId);
		if ((mine && mine.clientId !== clientId) || (bound && bound.conn !== conn) || (!mine && this.remote.has(docId, clientId))) {
			return 'A connection states only its own presence, under one client id per document; the update was ignored.';
		}
		// y-protocols ignores an older clock too.
		if (mine && clock <= mine.clock) return undefined;
		const entry = mine ?? this.bind(doc, conn, docId, clientId);
		entry.clock = clock;
		// Back after leaving: here since now.
		if (parsed && entry.state === null) entry.since = this.now();
		entry.state =
			(parsed && vouched(room.state, docId, { ...parsed.data, user: { id: member.userId, name: '', username: '' }, since: entry.since })) ||
			null;
		this.renewals.delete(entry);
		if (entry.state) {
			entry.renewedAt = this.now();
			this.renewals.add(entry);
		}
		this.relaySoon(entry);
		return undefined;
	}

	/** Sends a connection that just subscribed to a document everyone else present on it. */
	greet(conn: Connection, docId: string) {
		const update = this.encoded(docId, conn);
		if (update) conn.send(encodeSyncFrame(docId, PRESENCE, update));
	}

	/** Everyone present on a document, as one awareness update; undefined when no one is. */
	presenceOf(docId: string): Uint8Array | undefined {
		return this.encoded(docId);
	}

	/** A connection stopped following a document (it left, closed, or lost access): its entry goes, and peers are told. */
	leave(conn: Connection, docId: string) {
		const doc = this.docs.get(docId);
		const entry = doc?.byConn.get(conn);
		if (!doc || !entry) return;
		doc.byConn.delete(conn);
		doc.byClient.delete(entry.clientId);
		if (!doc.byConn.size) this.docs.delete(docId);
		this.renewals.delete(entry);
		// Peers may hold its state, or be about to (a relay waited): they are told it left.
		if (entry.state || entry.timer) this.remove(entry);
	}

	private bind(doc: DocPresence, conn: Connection, docId: string, clientId: number): Present {
		const entry: Present = { conn, docId, clientId, since: this.now(), clock: 0, sent: 0, state: null, renewedAt: 0, relayedAt: -Infinity };
		doc.byConn.set(conn, entry);
		doc.byClient.set(clientId, entry);
		this.docs.set(docId, doc);
		return entry;
	}

	/** Relays now, or at the end of this entry's window: whatever is latest then goes out. */
	private relaySoon(entry: Present) {
		if (entry.timer) return;
		// At most a window, whatever a test's clock does.
		const wait = Math.min(PRESENCE_WINDOW_MS, entry.relayedAt + PRESENCE_WINDOW_MS - this.now());
		if (wait <= 0) return this.relay(entry);
		entry.timer = setTimeout(() => {
			entry.timer = undefined;
			this.relay(entry);
		}, wait);
		entry.timer.unref();
	}

	/** Relays a removal at once, whatever waited. */
	private remove(entry: Present) {
		clearTimeout(entry.timer);
		entry.timer = undefined;
		entry.state = null;
		this.relay(entry);
	}

	/** An entry's removal, at the clock after the last one sent. */
	private removal(entry: Present): Uint8Array {
		return encodeAwarenessUpdate([{ clientId: entry.clientId, clock: Math.max(entry.clock, entry.sent) + 1, state: null }]);
	}

	private relay(entry: Present) {
		entry.relayedAt = this.now();
		entry.sent = Math.max(entry.clock, entry.sent + 1);
		const update = encodeAwarenessUpdate([{ clientId: entry.clientId, clock: entry.sent, state: entry.state }]);
		const bytes = this.sendHere(entry.docId, update, entry.conn);
		// What its presence costs the server counts against the sender's byte budget, as a sync answer does.
		if (!entry.conn.closed) entry.conn.budget.charge(0, bytes);
		if (!this.closed) this.others.sharePresence(entry.docId, update);
	}

	/** Sends an update to this server's subscribers of a document who may read it, but `from`; answers the bytes sent. */
	private sendHere(docId: string, update: Uint8Array, from?: Connection): number {
		const room = this.rooms.get(parseDocId(docId)?.orgId ?? '');
		const subscribers = room?.docRoom(docId)?.subscribers;
		if (!room || !subscribers) return 0;
		const frame = encodeSyncFrame(docId, PRESENCE, update);
		let sent = 0;
		for (const conn of subscribers) {
			// Access and the session timeout are re-checked on every send, as for updates.
			if (conn === from || !this.mayReceive(room, docId, conn)) continue;
			conn.send(frame);
			sent += frame.byteLength;
		}
		return sent;
	}

	/** Another server's relay: passed on to the subscribers here, unless it names a client id bound here. */
	private fromOtherServer(docId: string, update: Uint8Array) {
		let entries: AwarenessEntry[];
		try {
			entries = decodeAwarenessUpdate(update);
		} catch {
			return;
		}
		// Nothing here follows it: its next renewal is taken once something does.
		const room = this.rooms.get(parseDocId(docId)?.orgId ?? '');
		if (!room) return;
		// A NOTIFY can be sent by any role that may connect to the database: who it names is checked and named from here.
		const now = this.now();
		entries = entries.flatMap((e) => {
			if (e.state === null) return [e];
			const state = PeerPresence.safeParse(e.state);
			const held = state.success ? vouched(room.state, docId, { ...state.data, since: Math.min(state.data.since, now) }) : undefined;
			return held && room.mayRead(docId, held.user.id) ? [{ ...e, state: held }] : [];
		});
		const here = this.docs.get(docId);
		const fresh = this.remote.take(docId, entries, now, (clientId) => here?.byClient.has(clientId) ?? false);
		if (fresh.length) this.sendHere(docId, encodeAwarenessUpdate(fresh));
	}

	/** Entries not renewed within the timeout leave no ghost: their removal is relayed (the one timer runs it; tests call it). */
	sweep() {
		const cutoff = this.now() - PRESENCE_TIMEOUT_MS;
		for (const entry of this.renewals) {
			if (entry.renewedAt > cutoff) break;
			this.renewals.delete(entry);
			this.remove(entry);
		}
		// Each server forgets on its own what another one stopped renewing (it may have stopped without a word).
		for (const { docId, removal } of this.remote.expire(cutoff)) this.sendHere(docId, encodeAwarenessUpdate([removal]));
	}

	private encoded(docId: string, except?: Connection): Uint8Array | undefined {
		const present = [...(this.docs.get(docId)?.byConn.values() ?? [])].flatMap((e): AwarenessEntry[] =>
			e.state && e.conn !== except ? [{ clientId: e.clientId, clock: Math.max(e.clock, e.sent), state: e.state }] : []
		);
		present.push(...this.remote.entries(docId));
		return present.length ? encodeAwarenessUpdate(present) : undefined;
	}
}

/**
 * A state as relayed, vouched for by the organization: the person named as its member names them
 * (none: undefined), and a row shown as being edited only while they may make that change.
 */
function vouched(state: OrgState, docId: string, presence: PeerPresence): PeerPresence | undefined {
	const member = state.member(presence.user.id);
	if (!member) return undefined;
	const { editing } = presence;
	const may = editing && mayBeShownEditing(state, member.userId, editing.what, parseDocId(docId)?.projectId);
	return {
		...presence,
		editing: may || !editing ? editing : null,
		user: { id: member.userId, name: member.displayName || member.username, username: member.username }
	};
}
