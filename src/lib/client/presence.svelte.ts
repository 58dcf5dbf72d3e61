import { untrack } from 'svelte';
import * as random from 'lib0/random';
import { encodeSyncFrame, PRESENCE } from '../protocol/frames.ts';
import { parseDocId } from '../protocol/messages.ts';
import type { ClientPresence, Editing } from '../protocol/presence.ts';
import { encodeAwarenessUpdate } from '../protocol/awareness.ts';
import { PeerStore } from './presence-peers.svelte.ts';
import type { TabPresence } from './tab-channel.ts';

/** Half of y-protocols' 30 s outdated timeout: a state not renewed within it counts as gone. */
export const RENEW_MS = 15_000;
/** A follower tab not heard from for this long (it crashed without saying so) no longer counts. */
const OUTDATED_MS = 30_000;

export type View = ClientPresence['view'];

/** A state for one document. */
export interface Here {
	doc: string;
	state: ClientPresence;
}

/** What presence needs of the link to the server and to the other tabs. */
export interface PresenceLink {
	leading(): boolean;
	online(): boolean;
	/** Through this tab's socket (the leader's). */
	send(frame: Uint8Array): void;
	/** To the leader tab. */
	post(message: TabPresence): void;
	/** Whether the connection reads this document (it was in the welcome), so stating presence on it is allowed. */
	reads(docId: string): boolean;
}

const same = (a: Here | null, b: Here | null) => JSON.stringify(a) === JSON.stringify(b);

/**
 * This browser's presence and everyone else's (docs/protocol.md, Presence). Each tab knows its own
 * page and open row editor; the leader tab, which holds the socket, states on the server the one
 * of the tab the person looked at last (visible or focused), so a browser is one entry however
 * many tabs it has. Followers tell the leader theirs over the tab channel; the leader forwards the
 * server's frames to them as it does documents. Renewed every 15 s; gone on leaving a page.
 */
export class Presence {
	readonly peers: PeerStore;
	private page: { doc: string; view: View } | null = null;
	private editing: Editing | null = null;
	/** When this tab was last visible or focused (0: not since it opened, or not with a page yet: it does not take over until then). */
	private seenAt = 0;
	private readonly tab = crypto.randomUUID();
	/** The leader's: what each follower said last. */
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state
	private readonly tabs = new Map<string, { here: Here | null; seenAt: number; heardAt: number }>();
	/**
	 * The leader's awareness id on the current connection (0: none yet), its clock on each document
	 * (one clock for all would tell one organization's members how often it changed pages in another), and what it has stated.
	 */
	private clientId = 0;
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state
	private readonly clocks = new Map<string, number>();
	/** When the leader last sent a state: a hidden leader's timer may be slowed to once a minute, so hearing from a tab renews it too. */
	private sentAt = 0;
	/** The documents the leader's socket follows (see connected). */
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state
	private readonly followed = new Set<string>();
	/** A change is stated once the current task is done: leaving one page and entering the next is one update, not a departure. */
	private pending = false;
	private stated: Here | null = null;
	private timer: ReturnType<typeof setInterval> | undefined;

	constructor(
		userId: string,
		private readonly link: PresenceLink
	) {
		this.peers = new PeerStore(userId);
	}

	start() {
		document.addEventListener('visibilitychange', this.onSeen);
		window.addEventListener('focus', this.onSeen);
		window.addEventListener('pageshow', this.onSeen);
		window.addEventListener('pagehide', this.onGone);
		this.timer = setInterval(() => this.renew(), RENEW_MS);
	}

	/** Signed out or closing: nothing stated any more, no one shown. */
	stop() {
		clearInterval(this.timer);
		document.removeEventListener('visibilitychange', this.onSeen);
		window.removeEventListener('focus', this.onSeen);
		window.removeEventListener('pageshow', this.onSeen);
		window.removeEventListener('pagehide', this.onGone);
		this.onGone();
		this.peers.clear();
	}

	/** This tab shows a page of a document: stated until the returned function is called (the page goes). */
	enter(doc: string, view: View): () => void {
		const page = { doc, view };
		this.page = page;
		if (!this.seenAt && document.visibilityState === 'visible') this.seenAt = Date.now();
		this.editing = null;
		this.changed();
		return () => {
			if (this.page !== page) return;
			this.page = null;
			this.editing = null;
			this.changed();
		};
	}

	/** A row's editor opened on this tab's page: stated until the returned function is called (it closed, saved or cancelled). */
	edit(editing: Editing): () => void {
		const mine = { what: editing.what, id: editing.id };
		this.editing = mine;
		this.changed();
		return () => {
			if (this.editing !== mine) return;
			this.editing = null;
			this.changed();
		};
	}

	/** The leader hears a follower's presence, or that it closed. */
	fromTab(m: TabPresence) {
		if (!this.link.leading()) return;
		if (m.t === 'presence-gone') this.tabs.delete(m.tab);
		else this.tabs.set(m.tab, { here: m.here, seenAt: m.seenAt, heardAt: Date.now() });
		this.compose();
		if (Date.now() - this.sentAt >= RENEW_MS) this.renewStated();
	}

	/**
	 * The leader's connection is new (a welcome, its documents requested): a new awareness id,
	 * everything stated afresh once online. The server takes presence only on a document the socket
	 * follows: those requested now (`docs`, asked before anything this states), and one granted later
	 * once the server has sent it (heard).
	 */
	connected(docs: readonly string[]) {
		this.clientId = random.uint32() || 1;
		this.clocks.clear();
		this.followed.clear();
		for (const doc of docs) this.followed.add(doc);
		this.stated = null;
		this.compose();
	}

	/** The server sent a document on this connection: it follows it now (one just created, or granted). */
	heard(docId: string) {
		if (this.followed.has(docId)) return;
		this.followed.add(docId);
		this.changed();
	}

	/**
	 * The server took a document back (and with an organization's, its projects'): it forgot this
	 * browser's presence there, so nothing more is said of it, not even that it left.
	 */
	revoked(docId: string) {
		const revoked = parseDocId(docId);
		const wholeOrg = revoked && revoked.projectId === undefined && !revoked.billing;
		const stated = this.stated && parseDocId(this.stated.doc);
		if (this.stated && (this.stated.doc === docId || (wholeOrg && stated?.orgId === revoked.orgId))) this.stated = null;
		for (const doc of this.followed) if (doc === docId || (wholeOrg && parseDocId(doc)?.orgId === revoked.orgId)) this.followed.delete(doc);
		this.changed();
	}

	/** The connection's status changed (this tab's own, or the leader's as it reports it). */
	status(online: boolean) {
		// Online: the leader states what it has (a page entered before the welcome); a follower tells a leader that is new, or back, where it is.
		if (online) return this.changed();
		// The server forgets a connection's presence when it drops: no one is shown until it says again who is here.
		this.peers.clear();
		this.clientId = 0;
		this.stated = null;
	}

	private mine(): Here | null {
		return this.page && { doc: this.page.doc, state: { view: this.page.view, editing: this.editing } };
	}

	private onSeen = () => {
		if (document.visibilityState !== 'visible') return;
		this.seenAt = Date.now();
		this.changed();
	};

	private onGone = () => {
		if (!this.link.leading()) this.link.post({ t: 'presence-gone', tab: this.tab });
	};

	private changed() {
		if (this.pending) return;
		this.pending = true;
		queueMicrotask(() => {
			this.pending = false;
			// Read by page effects: what the link's state is must not make them run again.
			untrack(() => {
				if (this.link.leading()) this.compose();
				else this.link.post({ t: 'presence', tab: this.tab, seenAt: this.seenAt, here: this.mine() });
			});
		});
	}

	/** The leader states the presence of the tab looked at last, and takes it off the document it leaves. */
	private compose() {
		if (!this.link.leading() || !this.link.online() || !this.clientId) return;
		const now = Date.now();
		let chosen: { here: Here | null; seenAt: number } = { here: this.mine(), seenAt: this.seenAt };
		for (const [tab, t] of this.tabs) {
			if (now - t.heardAt > OUTDATED_MS) this.tabs.delete(tab);
			else if (t.seenAt > chosen.seenAt) chosen = t;
		}
		const target = chosen.here && this.link.reads(chosen.here.doc) && this.followed.has(chosen.here.doc) ? chosen.here : null;
		if (same(target, this.stated)) return;
		if (this.stated && this.stated.doc !== target?.doc) this.send(this.stated.doc, null);
		if (target) this.send(target.doc, target.state);
		this.stated = target;
	}

	private send(doc: string, state: ClientPresence | null) {
		this.sentAt = Date.now();
		const clock = (this.clocks.get(doc) ?? 0) + 1;
		this.clocks.set(doc, clock);
		this.link.send(encodeSyncFrame(doc, PRESENCE, encodeAwarenessUpdate([{ clientId: this.clientId, clock, state }])));
	}

	/** Every 15 s: a follower says again where it is; the leader renews what it stated (and lets silent followers go). */
	private renew() {
		if (!this.link.leading()) return this.changed();
		this.compose();
		this.renewStated();
	}

	private renewStated() {
		if (this.stated && this.link.online()) this.send(this.stated.doc, this.stated.state);
	}
}

/**
 * In a component: states `get`'s value (a page, or an open editor) while it names one, through `state`,
 * which returns how to take it back; taken back when the value changes or the component goes.
 */
export function stateWhile<T>(get: () => T | null | undefined | false | '', state: (value: T) => () => void) {
	$effect(() => {
		const value = get();
		if (value) return untrack(() => state(value));
	});
}
