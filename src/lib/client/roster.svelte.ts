import { getContext, setContext } from 'svelte';
import { SvelteMap } from 'svelte/reactivity';
import { parseMutation, type Mutation, type UserProfile } from '../domain/index.ts';
import { step1Frame, type SyncFrame } from '../protocol/frames.ts';
import type { ServerMessage } from '../protocol/messages.ts';
import { api } from './api.ts';
import { RosterDb, type OutboxEntry } from './db.ts';
import { orgView, pendingOverlay } from './org-view.ts';
import { Replicas } from './replicas.ts';
import { SyncSocket, type SyncStatus } from './sync-socket.ts';

const USER_KEY = 'roster.user';

/**
 * The signed-in session of this tab: the local replicas, the outbox, and the socket.
 * Components read its $state fields; every change goes through submit().
 */
export class RosterSession {
	/** Replaced, never mutated, when the profile changes (see setProfile). */
	user: UserProfile;
	status = $state<SyncStatus>('connecting');
	statusDetail = $state('Connecting…');
	// Raw: entries are replaced, never mutated, and must stay plain objects for IndexedDB.
	outbox = $state.raw<OutboxEntry[]>([]);
	/** Bumped whenever a replica changes, so views derived from documents recompute. */
	version = $state(0);
	/** Mutation ids answered while this tab watched, for the "saved" notice. */
	readonly recent = new SvelteMap<string, 'accepted'>();
	private readonly db: RosterDb;
	private readonly replicas: Replicas;
	private readonly socket: SyncSocket;
	private seq = 0;

	constructor(user: UserProfile) {
		this.user = $state.raw(user);
		this.db = new RosterDb(user.id);
		this.replicas = new Replicas(this.db);
		const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
		this.socket = new SyncSocket(`${scheme}//${location.host}/sync`, {
			message: (m) => this.inOrder(() => this.onMessage(m)),
			frame: (f) => this.inOrder(() => this.onFrame(f)),
			status: (s, detail) => {
				this.status = s;
				this.statusDetail = detail;
			}
		});
	}

	async start() {
		await this.replicas.loadAll();
		this.outbox = await this.db.outbox.orderBy('seq').toArray();
		this.seq = this.outbox.at(-1)?.seq ?? 0;
		this.version++;
		this.socket.start();
	}

	stop() {
		this.socket.stop();
		this.db.close();
	}

	/** Shows a changed profile at once (the header, the account page) and keeps it for offline starts. */
	setProfile(user: UserProfile) {
		this.user = user;
		rememberUser(user);
	}

	get pendingCount() {
		return this.outbox.filter((e) => e.status === 'pending').length;
	}

	/** Organizations this user can see: synced ones plus ones it created offline. */
	get orgs() {
		void this.version;
		const synced = this.replicas.all().map((r) => r.orgId);
		const created = this.outbox.filter((e) => e.mutation.type === 'org.create' && e.status === 'pending' && !synced.includes(e.orgId));
		return [...synced, ...created.map((e) => e.orgId)]
			.flatMap((id) => {
				const replica = this.replicas.get(id);
				const { overlay } = pendingOverlay(replica, id, this.outbox, this.user);
				const org = overlay.org();
				if (!org || org.status === 'closed' || !overlay.member(this.user.id)) return [];
				return [{ id, name: org.name, pending: !replica?.state.org(), closing: org.status === 'closing' }];
			})
			.sort((a, b) => a.name.localeCompare(b.name));
	}

	view(orgId: string) {
		void this.version;
		return orgView(this.replicas.get(orgId), orgId, this.outbox, this.user);
	}

	/**
	 * Queues a mutation. It is parsed here, at the boundary: the copy is plain data (form
	 * state may be reactive proxies, which IndexedDB cannot store), and bad input is shown
	 * as refused rather than sent.
	 */
	async submit(mutation: Mutation) {
		const parsed = parseMutation(mutation);
		const entry: OutboxEntry = {
			id: crypto.randomUUID(),
			seq: ++this.seq,
			orgId: mutation.orgId,
			mutation: parsed.ok ? parsed.mutation : $state.snapshot(mutation),
			status: parsed.ok ? 'pending' : 'refused',
			...(parsed.ok ? {} : { code: parsed.code, message: parsed.message }),
			createdAt: Date.now()
		};
		await this.db.outbox.put(entry);
		this.outbox = [...this.outbox, entry];
		if (parsed.ok) this.send(entry);
	}

	/** A refused mutation is retried as a new one: the server keeps the first verdict of an id. */
	async retry(id: string) {
		const entry = this.outbox.find((e) => e.id === id);
		if (!entry) return;
		await this.discard(id);
		await this.submit(entry.mutation);
	}

	async discard(id: string) {
		await this.db.outbox.delete(id);
		this.outbox = this.outbox.filter((e) => e.id !== id);
	}

	private send(entry: OutboxEntry) {
		this.socket.send(JSON.stringify({ t: 'mutate', id: entry.id, mutation: entry.mutation }));
	}

	private async onMessage(m: ServerMessage) {
		switch (m.t) {
			case 'welcome': {
				// The profile may have changed meanwhile, e.g. in another tab.
				this.setProfile(m.user);
				// Anything this browser kept of a document the user may no longer read goes now.
				for (const docId of this.replicas.docIds()) if (!m.docs.includes(docId)) await this.replicas.drop(docId);
				for (const docId of m.docs) {
					const doc = this.replicas.ensure(docId);
					if (doc) this.socket.send(step1Frame(docId, doc));
				}
				for (const e of this.outbox) if (e.status === 'pending') this.send(e);
				this.version++;
				this.status = 'online';
				this.statusDetail = 'Connected';
				return;
			}
			case 'verdict': {
				const entry = this.outbox.find((e) => e.id === m.id);
				if (!entry) return;
				if (m.ok) {
					this.recent.set(m.id, 'accepted');
					return this.discard(m.id);
				}
				const refused: OutboxEntry = { ...entry, status: 'refused', code: m.code, message: m.message };
				await this.db.outbox.put(refused);
				this.outbox = this.outbox.map((e) => (e.id === m.id ? refused : e));
				return;
			}
			case 'revoked':
				await this.replicas.drop(m.doc);
				this.version++;
				return;
			case 'error':
				console.warn(`Server: ${m.code}: ${m.message}`);
				return;
		}
	}

	private handling: Promise<unknown> = Promise.resolve();

	/** Server messages are handled one at a time, in arrival order, IndexedDB writes included. */
	private inOrder(handle: () => Promise<unknown>) {
		this.handling = this.handling.then(handle).catch((err: unknown) => console.error('Handling a server message failed', err));
	}

	private bumpScheduled = false;
	private lastBump = 0;

	/**
	 * Throttles view updates from document changes: at once when there was none for 100 ms,
	 * else once at the end of the window, since a connect can bring hundreds of documents.
	 */
	private changed() {
		if (this.bumpScheduled) return;
		const wait = this.lastBump + 100 - Date.now();
		const bump = () => {
			this.bumpScheduled = false;
			this.lastBump = Date.now();
			this.version++;
		};
		if (wait <= 0) return bump();
		this.bumpScheduled = true;
		setTimeout(bump, wait);
	}

	private async onFrame(frame: SyncFrame) {
		if (await this.replicas.applyRemote(frame.doc, frame.payload)) this.changed();
	}
}

export function rememberUser(user: UserProfile | null) {
	if (user) localStorage.setItem(USER_KEY, JSON.stringify(user));
	else localStorage.removeItem(USER_KEY);
}

export function rememberedUser(): UserProfile | null {
	try {
		return JSON.parse(localStorage.getItem(USER_KEY) ?? 'null') as UserProfile | null;
	} catch {
		return null;
	}
}

/** Who is signed in: the server's answer when it can be reached, the remembered user when offline. */
export async function resolveUser(): Promise<UserProfile | null> {
	const me = await api.me();
	if (me.ok) {
		rememberUser(me.user);
		return me.user;
	}
	if (me.status === 0) return rememberedUser();
	rememberUser(null);
	return null;
}

/** Signs out and deletes this browser's copy of the user's data. */
export async function signOut(session: RosterSession | null) {
	await api.signOut();
	session?.stop();
	const user = session?.user ?? rememberedUser();
	rememberUser(null);
	if (user) await new RosterDb(user.id).delete();
}

const KEY = Symbol('roster');

export interface AppContext {
	readonly session: RosterSession | null;
	setUser(user: UserProfile | null): Promise<void>;
}

export function provideApp(app: AppContext) {
	setContext(KEY, app);
}

export function useApp(): AppContext {
	return getContext<AppContext>(KEY);
}
