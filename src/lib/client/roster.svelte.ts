import { getContext, setContext } from 'svelte';
import { SvelteMap } from 'svelte/reactivity';
import { STEP_UP_TTL_MS, needsStepUp, parseMutation, type Mutation, type UserProfile } from '../domain/index.ts';
import { step1Frame, type SyncFrame } from '../protocol/frames.ts';
import { orgDocId, type ServerMessage } from '../protocol/messages.ts';
import { api, type ApiResult } from './api.ts';
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
	/** Until when (this browser's clock) the session's last two-factor code confirms sensitive changes. */
	stepUpUntil = $state(0);
	/** A sensitive change waiting for the user to enter a code (StepUpDialog answers it). */
	stepUpPrompt = $state.raw<{ answer(confirmed: boolean): void } | null>(null);
	/** Why an organization's session timeout took its access away, until the user signs in again. */
	timedOut = $state<string | null>(null);
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

	/** Tells the server this organization is in use, as its idle timeout counts only what the server sees: a sync request for its document. */
	stillHere(orgId: string) {
		const docId = orgDocId(orgId);
		const doc = this.replicas.get(orgId) && this.replicas.ensure(docId);
		if (doc && this.status === 'online') this.socket.send(step1Frame(docId, doc));
	}

	/** The server said how much longer the last code holds (sign-in, step-up, enrolment, welcome). */
	confirmedFor(validForMs: number) {
		this.stepUpUntil = Date.now() + validForMs;
	}

	/**
	 * SPEC §4 step-up: a user with two-factor enters a code before a sensitive change, at most
	 * every 10 minutes. Asked only while online (the code is checked by the server); a change
	 * queued offline is checked when it arrives and, if refused, its Retry asks.
	 */
	private async confirmed(mutations: readonly Mutation[]): Promise<boolean> {
		const ctx = { actorId: this.user.id, now: Date.now(), steppedUpAt: this.stepUpUntil - STEP_UP_TTL_MS };
		if (this.status !== 'online' || !mutations.some((m) => needsStepUp(this.user, m.type, ctx))) return true;
		return this.askStepUp();
	}

	/**
	 * An account request (managed users, cards) that the server may refuse for want of a fresh
	 * code: on that refusal, asks for one and tries once more.
	 */
	async withStepUp<T>(request: () => Promise<ApiResult<T>>): Promise<ApiResult<T>> {
		const first = await request();
		if (first.ok || first.code !== 'STEP_UP_REQUIRED') return first;
		this.stepUpUntil = 0;
		return (await this.askStepUp()) ? request() : first;
	}

	/** Opens the code prompt; changes sent at once (a multi-entry add) share one prompt and its answer. */
	private askStepUp(): Promise<boolean> {
		this.stepUpAnswer ??= new Promise<boolean>((resolve) => {
			this.stepUpPrompt = {
				answer: (confirmed) => {
					this.stepUpPrompt = null;
					this.stepUpAnswer = null;
					resolve(confirmed);
				}
			};
		});
		return this.stepUpAnswer;
	}
	private stepUpAnswer: Promise<boolean> | null = null;

	/**
	 * Queues mutations, in order, each with its own verdict. Each is parsed here, at the
	 * boundary: the copy is plain data (form state may be reactive proxies, which IndexedDB
	 * cannot store), and bad input is shown as refused rather than sent. A sensitive change
	 * first asks for a two-factor code if one is due (once for all); cancelling queues nothing.
	 */
	async submit(...mutations: Mutation[]) {
		const parsed = mutations.map((m) => [m, parseMutation(m)] as const);
		if (!(await this.confirmed(parsed.flatMap(([, p]) => (p.ok ? [p.mutation] : []))))) return;
		for (const [mutation, p] of parsed) await this.queue(mutation, p);
	}

	private async queue(mutation: Mutation, parsed: ReturnType<typeof parseMutation>) {
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
		// Asked before the refused entry goes, so a cancelled code prompt keeps it.
		if (!entry || !(await this.confirmed([entry.mutation]))) return;
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
				this.confirmedFor(m.stepUpValidForMs);
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
				// The server's clock says the code no longer holds: ask again on Retry.
				if (m.code === 'STEP_UP_REQUIRED') this.stepUpUntil = 0;
				if (m.code === 'SESSION_EXPIRED') this.timedOut = m.message;
				const refused: OutboxEntry = { ...entry, status: 'refused', code: m.code, message: m.message };
				await this.db.outbox.put(refused);
				this.outbox = this.outbox.map((e) => (e.id === m.id ? refused : e));
				return;
			}
			case 'revoked':
				if (m.code === 'SESSION_EXPIRED') this.timedOut = m.reason;
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
	// Stopped first, so the server closing this session's socket does not read as a session that timed out.
	session?.stop();
	await api.signOut();
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
