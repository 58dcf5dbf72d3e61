import { SvelteMap } from 'svelte/reactivity';
import { parseMutation, type Mutation, type RefusalCode, type UserProfile } from '../domain/index.ts';
import { PRESENCE, step1Frame } from '../protocol/frames.ts';
import { orgDocId, parseDocId, type ServerMessage } from '../protocol/messages.ts';
import type { Connection } from './connection.svelte.ts';
import { Departures } from './departures.svelte.ts';
import { RosterDb, type OutboxEntry } from './db.ts';
import { visibleOrgs } from './org-view.ts';
import { Outbox } from './outbox.svelte.ts';
import { Presence } from './presence.svelte.ts';
import { Replicas } from './replicas.ts';
import { StepUp } from './step-up.svelte.ts';
import { rememberUser } from './signed-in-user.ts';
import { TabLink } from './tab-link.ts';

/**
 * How one change went, for the form that made it: saved, refused (its outbox entry is kept until the
 * form, showing the refusal where it was made, discards it), queued to be sent later (offline, or the
 * connection dropped before the answer), or not made at all (the two-factor prompt was cancelled).
 */
export type Answer =
	{ status: 'accepted' | 'queued' | 'cancelled' } | { status: 'refused'; id: string; code: RefusalCode; message: string };

/**
 * The signed-in session of this tab, made of its parts: the local replicas, the outbox,
 * the step-up prompt and the connection. Every change goes through submit(); each
 * organization's pages read an OrgModel built over these parts. All tabs of the user share the
 * outbox and one connection (TabLink): only the leader tab sends and stores what the server says.
 */
export class RosterSession {
	/** Replaced, never mutated, when the profile changes (see setProfile). */
	user: UserProfile;
	/** Why an organization's session timeout took its access away, until the user signs in again. */
	timedOut = $state<string | null>(null);
	/** rules §2: an organization requiring single sign-on refused this password session; signing in through its provider reaches it. */
	ssoRequired = $state<{ message: string; orgId: string; org?: { name: string; providerId: string } } | null>(null);
	/** Mutation ids answered while this tab watched, for the "saved" notice. */
	readonly recent = new SvelteMap<string, 'accepted'>();
	readonly replicas: Replicas;
	readonly outbox: Outbox;
	readonly stepUp: StepUp;
	readonly connection: Connection;
	/** Organizations this user lost access to, and why, for the pages that would otherwise say "not available". */
	readonly departures: Departures;
	/** Who else is on which page, and this browser's own presence. */
	readonly presence: Presence;
	private readonly db: RosterDb;
	private readonly link: TabLink;
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state
	private readonly sent = new Set<string>();

	constructor(user: UserProfile) {
		this.user = $state.raw(user);
		this.db = new RosterDb(user.id);
		this.link = new TabLink(user.id, {
			message: (m) => void this.inOrder(() => this.onMessage(m)),
			// Presence is no document: it waits for no stored update, and arrives with whatever the server said before it.
			frame: (f) => {
				if (f.kind === PRESENCE) return this.presence.peers.receive(f.doc, f.payload);
				this.presence.heard(f.doc);
				void this.inOrder(() => this.replicas.applyRemote(f.doc, f.payload));
			},
			offline: () => this.answerAll({ status: 'queued' }),
			outbox: () => void this.inOrder(async () => (await this.outbox.load(), this.flush())),
			adopt: (entry) => void this.inOrder(async () => (await this.outbox.adopt(entry), this.flush())),
			stepUpValidForMs: () => Math.max(0, this.stepUp.until - Date.now()),
			stepUp: (validForMs) => this.stepUp.confirmedFor(validForMs),
			status: () => this.presence.status(this.connection.online),
			presence: (m) => this.presence.fromTab(m),
			presenceFrames: () => this.presence.peers.frames()
		});
		this.connection = this.link.connection;
		this.replicas = new Replicas(this.db, () => this.link.leading);
		this.outbox = new Outbox(
			this.db,
			() => {
				this.link.outboxWritten();
				this.flush();
			},
			(entry) => this.link.notStored(entry)
		);
		this.stepUp = new StepUp(this, (validForMs) => this.link.shareStepUp(validForMs));
		this.departures = new Departures(user.id);
		this.presence = new Presence(user.id, {
			leading: () => this.link.leading,
			online: () => this.online,
			send: (frame) => this.connection.send(frame),
			post: (m) => this.link.postPresence(m),
			reads: (docId) => this.replicas.docIds().includes(docId)
		});
	}

	/** Loads the local copy, then joins the other tabs: what they say meanwhile is handled after it. */
	async start() {
		const loaded = this.inOrder(async () => {
			await this.replicas.loadAll();
			await this.outbox.load();
		});
		this.presence.start();
		this.link.start();
		await loaded;
	}

	stop() {
		this.answerAll({ status: 'queued' });
		this.presence.stop();
		this.link.stop();
		this.db.close();
	}

	get online() {
		return this.connection.online;
	}

	/** Shows a changed profile at once (the header, the account page) and keeps it for offline starts. */
	setProfile(user: UserProfile) {
		this.user = user;
		rememberUser(user);
	}

	/** Organizations this user can see (org-view.ts visibleOrgs). */
	readonly orgs = $derived.by(() => {
		this.replicas.watch();
		return visibleOrgs(this.replicas, this.outbox.entries, this.user);
	});

	/** Tells the server this organization is in use, as its idle timeout counts only what the server sees: a sync request for its document. */
	stillHere(orgId: string) {
		const docId = orgDocId(orgId);
		const doc = this.replicas.get(orgId) && this.replicas.ensure(docId);
		if (doc && this.online) this.link.send(step1Frame(docId, doc));
	}

	/**
	 * Queues mutations, in order, each with its own verdict. Each is parsed here, at the
	 * boundary: the copy is plain data (form state may be reactive proxies, which IndexedDB
	 * cannot store), and bad input is shown as refused rather than sent. A sensitive change
	 * first asks for a two-factor code if one is due (once for all); cancelling queues nothing.
	 */
	async submit(...mutations: Mutation[]) {
		const parsed = mutations.map((m) => [m, parseMutation(m)] as const);
		if (!(await this.stepUp.confirmed(parsed.flatMap(([, p]) => (p.ok ? [p.mutation] : []))))) return;
		for (const [mutation, p] of parsed) {
			await this.outbox.add(p.ok ? p.mutation : $state.snapshot(mutation), p.ok ? undefined : { code: p.code, message: p.message });
		}
	}

	/**
	 * Queues one mutation as submit() does and waits for its answer while online: a form keeps its
	 * input until the change is saved, and shows a refusal at the field rather than in the outbox panel.
	 */
	async ask(mutation: Mutation): Promise<Answer> {
		const parsed = parseMutation(mutation);
		if (!parsed.ok) {
			const refusal = { code: parsed.code, message: parsed.message };
			return { status: 'refused', id: (await this.outbox.add($state.snapshot(mutation), refusal)).id, ...refusal };
		}
		if (!(await this.stepUp.confirmed([parsed.mutation]))) return { status: 'cancelled' };
		// Sent (here or by the leader tab) once written; its verdict arrives in a later task than this continuation.
		const entry = await this.outbox.add(parsed.mutation);
		if (!this.online) return { status: 'queued' };
		return new Promise<Answer>((resolve) => this.waiting.set(entry.id, resolve));
	}

	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- callbacks, not state
	private readonly waiting = new Map<string, (answer: Answer) => void>();

	private answer(id: string, answer: Answer) {
		this.waiting.get(id)?.(answer);
		this.waiting.delete(id);
	}

	private answerAll(answer: Answer) {
		for (const resolve of this.waiting.values()) resolve(answer);
		this.waiting.clear();
	}

	/** A refused mutation is retried as a new one: the server keeps the first verdict of an id. */
	async retry(id: string) {
		const entry = this.outbox.find(id);
		// Asked before the refused entry goes, so a cancelled code prompt keeps it.
		if (!entry || !(await this.stepUp.confirmed([entry.mutation]))) return;
		await this.discard(id);
		await this.submit(entry.mutation);
	}

	async discard(id: string) {
		await this.outbox.remove(id);
	}

	/**
	 * The leader sends every pending entry not yet sent on this connection, in the order queued, whichever
	 * tab queued it. A new connection (a reconnect, or a new leader after the last one closed mid-replay)
	 * sends them all again: the server keeps the first verdict of an id, so nothing applies twice.
	 */
	private flush() {
		if (!this.link.leading || !this.online) return;
		for (const e of this.outbox.pending()) if (!this.sent.has(e.id)) this.send(e);
	}

	private otherUser(username: string) {
		const detail = `This browser is now signed in as ${username}: sign in again to continue as ${this.user.username}.`;
		this.link.stop();
		this.connection.follow('signed-out', detail);
	}

	private send(entry: OutboxEntry) {
		if (this.connection.send(JSON.stringify({ t: 'mutate', id: entry.id, mutation: entry.mutation }))) this.sent.add(entry.id);
	}

	private async onMessage(m: ServerMessage) {
		switch (m.t) {
			case 'welcome': {
				// Another version's messages would be misread: stop before anything is sent, keeping the outbox.
				if (!this.connection.accepts(m.protocol)) return;
				// The browser's session is someone else's now (signed in as them in another tab): this page stops, sending
				// and storing nothing; its user's pending changes stay for their next sign-in.
				if (m.user.id !== this.user.id) return this.otherUser(m.user.username);
				// The profile may have changed meanwhile, e.g. in another tab.
				this.setProfile(m.user);
				this.stepUp.confirmedFor(m.stepUpValidForMs);
				// Anything this browser kept of a document the user may no longer read goes now.
				for (const docId of this.replicas.docIds()) if (!m.docs.includes(docId)) await this.lose(docId);
				// The rest is the leader's: another tab's sync answers and verdicts come through it.
				if (!this.link.leading) return;
				for (const docId of m.docs) {
					const doc = this.replicas.ensure(docId);
					if (doc) this.connection.send(step1Frame(docId, doc));
				}
				this.presence.connected(m.docs);
				this.sent.clear();
				this.connection.connected();
				await this.outbox.load();
				return this.flush();
			}
			case 'verdict': {
				if (!this.outbox.find(m.id)) return;
				if (m.ok) {
					const { mutation } = this.outbox.find(m.id)!;
					if (mutation.type === 'member.leave')
						this.departures.note(mutation.orgId, this.replicas.get(mutation.orgId)?.state.org()?.name, 'left');
					this.recent.set(m.id, 'accepted');
					this.answer(m.id, { status: 'accepted' });
					return this.link.leading ? this.outbox.remove(m.id) : this.outbox.settled(m.id);
				}
				// The server's clock says the code no longer holds: ask again on Retry.
				if (m.code === 'STEP_UP_REQUIRED') this.stepUp.expire();
				if (m.code === 'SSO_REQUIRED') this.noteSsoRequired(this.outbox.find(m.id)!.orgId, m.message);
				else if (m.code === 'SESSION_EXPIRED') this.timedOut = m.message;
				if (this.link.leading) await this.outbox.refuse(m.id, m.code, m.message);
				else await this.outbox.settled(m.id, { code: m.code, message: m.message });
				return this.answer(m.id, { status: 'refused', id: m.id, code: m.code, message: m.message });
			}
			case 'revoked':
				// No one's presence is shown on a document the user may no longer read.
				this.presence.peers.forget(m.doc);
				if (m.code) {
					if (m.code === 'SSO_REQUIRED') this.noteSsoRequired(parseDocId(m.doc)?.orgId, m.reason);
					else this.timedOut = m.reason;
					await this.replicas.drop(m.doc);
				} else await this.lose(m.doc);
				return this.presence.revoked(m.doc);
			case 'error':
				console.warn(`Server: ${m.code}: ${m.message}`);
				return;
			default:
				return m satisfies never;
		}
	}

	/** Read before the organization's replica is dropped: which provider its sign-in goes through (unknown if never synced here). */
	private noteSsoRequired(orgId: string | undefined, message: string) {
		if (orgId === undefined) return void (this.timedOut = message);
		// Each of its documents is refused in turn: the first one, read while the replica is whole, says the most.
		if (this.ssoRequired?.orgId === orgId && this.ssoRequired.org) return;
		const org = this.replicas.get(orgId)?.state.org();
		this.ssoRequired = { message, orgId, org: org?.sso && { name: org.name, providerId: org.sso.providerId } };
	}

	/** Drops a document the user may no longer read; losing an organization's own is remembered with its name. */
	private async lose(docId: string) {
		const orgId = parseDocId(docId)?.orgId;
		if (orgId !== undefined && docId === orgDocId(orgId))
			this.departures.note(orgId, this.replicas.get(orgId)?.state.org()?.name, 'removed');
		await this.replicas.drop(docId);
	}

	private handling: Promise<unknown> = Promise.resolve();

	/** Server messages are handled one at a time, in arrival order, IndexedDB writes included. */
	private inOrder(handle: () => Promise<unknown>) {
		this.handling = this.handling.then(handle).catch((err: unknown) => console.error('Handling a server message failed', err));
		return this.handling;
	}
}
