import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { memberOf, orgMaps, type Member, type OrgRole, type Organization, type UserProfile } from '$lib/domain/index.ts';
import { decodeSyncFrame, step1Frame, SYNC_STEP2, SYNC_UPDATE } from '$lib/protocol/frames.ts';
import { orgDocId, type ServerMessage, type VerdictMessage } from '$lib/protocol/messages.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../sync-server/server.ts';
import { verificationLink } from './mail.ts';
import { freshStore } from './test-store.ts';

export { verificationLink };

export const PASSWORD = 'correct horse battery';
/** OWASP's scrypt cost takes 128 MiB and a tenth of a second or more per hash: test servers use a cheap one. */
export const TEST_PASSWORD_COST = 10;

/** A server on a fresh temporary data directory and a fresh store (testStore: SQLite or PostgreSQL); `restart` keeps both. */
export class TestServer {
	readonly dataDir = mkdtempSync(join(tmpdir(), 'roster-test-'));
	server!: RunningServer;
	readonly clients: TestClient[] = [];
	private store?: { databaseUrl?: string };

	/** `options` (a clock, a payment processor) hold across restarts. */
	constructor(private options: Partial<ServerOptions> = {}) {}

	async start() {
		this.store ??= await freshStore();
		this.server = await startServer({ passwordCost: TEST_PASSWORD_COST, ...this.options, ...this.store, dataDir: this.dataDir, port: 0 });
		return this;
	}
	get base() {
		return `http://127.0.0.1:${this.server.port}`;
	}
	async connect(cookie: string | undefined, headers: Record<string, string> = {}) {
		const client = await TestClient.connect(this.server.port, cookie, headers);
		this.clients.push(client);
		return client;
	}
	/** Signs up a user (its email unverified) and opens a synced connection for it. */
	async user(username: string) {
		const { cookie, user } = await signUp(this.base, username);
		return { cookie, user, client: await this.connect(cookie) };
	}
	/** `options`, when given, replace the constructor's from now on. */
	async restart(options = this.options) {
		await this.server.close();
		this.options = options;
		await this.start();
	}
	async stop() {
		for (const c of this.clients) c.close();
		await this.server?.close();
		rmSync(this.dataDir, { recursive: true, force: true });
	}
}

/** Puts a user in an organization as older code could, past today's rules (a store made before them). */
export async function joinedBefore(server: RunningServer, orgId: string, userId: string, role: OrgRole) {
	const user = (await server.accounts.user(userId))!;
	return server.hub.applyServerChanges(orgId, [{ kind: 'member.put', member: memberOf(user, role, 0) }]);
}

export async function signUp(baseUrl: string, username: string, email = `${username}@example.com`) {
	const res = await post(baseUrl, '/api/signup', { username, email, password: PASSWORD });
	if (res.status !== 201) throw new Error(`sign-up ${username}: ${res.status} ${await res.text()}`);
	const body = (await res.json()) as { user: UserProfile };
	return { cookie: cookieOf(res), user: body.user };
}

export function post(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}) {
	return fetch(new URL(path, baseUrl), {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body: JSON.stringify(body)
	});
}

/** The `name=value` part of a response's set-cookie header. */
export function cookieOf(res: Response): string {
	const header = res.headers.get('set-cookie');
	if (!header) throw new Error('no set-cookie header');
	return header.split(';')[0]!;
}

/** Opens the mailed verification link through the server's own API; returns the redirect location. */
export async function verifyEmail(dataDir: string, email: string): Promise<string | null> {
	const res = await fetch(verificationLink(dataDir, email), { redirect: 'manual' });
	return res.headers.get('location');
}

export type Entry = { text: ServerMessage } | { binary: { doc: string; kind: number } };

export interface OrgView {
	org: Organization | undefined;
	members: Record<string, Member>;
}

export function view(doc: Y.Doc | undefined): OrgView {
	if (!doc) return { org: undefined, members: {} };
	const { meta, members } = orgMaps(doc);
	return { org: meta.get('org'), members: Object.fromEntries(members.entries()) };
}

/** A hand-made sync client: keeps one Y.Doc per document it is sent, and a log of everything it receives. */
export class TestClient {
	readonly log: Entry[] = [];
	readonly docs = new Map<string, Y.Doc>();
	readonly closed: Promise<{ code: number; reason: string }>;
	private listeners = new Set<() => void>();

	private constructor(readonly ws: WebSocket) {
		ws.on('error', () => {});
		ws.on('message', (data, isBinary) => {
			const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
			if (isBinary) {
				const frame = decodeSyncFrame(new Uint8Array(bytes));
				if (frame.kind === SYNC_STEP2 || frame.kind === SYNC_UPDATE) Y.applyUpdate(this.doc(frame.doc), frame.payload);
				this.log.push({ binary: { doc: frame.doc, kind: frame.kind } });
			} else {
				this.log.push({ text: JSON.parse(bytes.toString('utf8')) as ServerMessage });
			}
			for (const l of this.listeners) l();
		});
		this.closed = new Promise((res) => ws.on('close', (code, reason) => res({ code, reason: reason.toString() })));
	}

	/** Connects, waits for the welcome, and syncs every document it lists. */
	static async connect(port: number, cookie: string | undefined, headers: Record<string, string> = {}) {
		const ws = new WebSocket(`ws://127.0.0.1:${port}/sync`, {
			headers: { ...(cookie ? { cookie } : {}), ...headers }
		});
		const client = new TestClient(ws);
		await new Promise<void>((res, rej) => {
			ws.once('open', () => res());
			ws.once('error', rej);
		});
		const welcome = await Promise.race([client.waitFor((m) => m.t === 'welcome'), client.closed.then(() => undefined)]);
		if (welcome?.t === 'welcome') await Promise.all(welcome.docs.map((d) => client.sync(d)));
		return client;
	}

	doc(docId: string): Y.Doc {
		let doc = this.docs.get(docId);
		if (!doc) this.docs.set(docId, (doc = new Y.Doc()));
		return doc;
	}

	get messages(): ServerMessage[] {
		return this.log.flatMap((e) => ('text' in e ? [e.text] : []));
	}

	welcome() {
		const w = this.messages[0];
		if (w?.t !== 'welcome') throw new Error('no welcome');
		return w;
	}

	/** Sends sync step 1 and waits for the server's step 2 (or a revocation). */
	async sync(docId: string) {
		const since = this.log.length;
		this.send(step1Frame(docId, this.doc(docId)));
		return this.waitForEntry(
			(e) =>
				('binary' in e && e.binary.doc === docId && e.binary.kind === SYNC_STEP2) ||
				('text' in e && e.text.t === 'revoked' && e.text.doc === docId),
			since
		);
	}

	send(data: string | Uint8Array | object) {
		this.ws.send(data instanceof Uint8Array || typeof data === 'string' ? data : JSON.stringify(data));
	}

	/** Sends a mutation and resolves with the verdict to this send (a retry gets its own). */
	mutate(mutation: unknown, id: string = randomUUID()): Promise<VerdictMessage> {
		const since = this.log.length;
		this.send({ t: 'mutate', id, mutation });
		return this.waitFor((m): m is VerdictMessage => m.t === 'verdict' && m.id === id, since);
	}

	/** The first message from index `since` of the log that matches, now or when it arrives. */
	waitFor<T extends ServerMessage>(predicate: (m: ServerMessage) => m is T, since?: number): Promise<T>;
	waitFor(predicate: (m: ServerMessage) => boolean, since?: number): Promise<ServerMessage>;
	async waitFor(predicate: (m: ServerMessage) => boolean, since = 0): Promise<ServerMessage> {
		const entry = await this.waitForEntry((e) => 'text' in e && predicate(e.text), since);
		return (entry as { text: ServerMessage }).text;
	}

	waitForEntry(predicate: (e: Entry) => boolean, since = 0): Promise<Entry> {
		return new Promise((resolve, reject) => {
			const check = () => {
				const found = this.log.slice(since).find(predicate);
				if (found) {
					this.listeners.delete(check);
					resolve(found);
				}
			};
			this.listeners.add(check);
			check();
			void this.closed.then(({ code }) => {
				this.listeners.delete(check);
				reject(new Error(`socket closed (${code}) while waiting`));
			});
		});
	}

	/** Resolves once the condition holds, re-checking it after every frame received. */
	until(condition: () => boolean): Promise<void> {
		return new Promise((resolve, reject) => {
			const check = () => {
				if (!condition()) return;
				this.listeners.delete(check);
				resolve();
			};
			this.listeners.add(check);
			check();
			void this.closed.then(({ code }) => reject(new Error(`socket closed (${code}) while waiting`)));
		});
	}

	/** Every verdict received for a mutation id. */
	verdicts(id: string) {
		return this.messages.filter((m) => m.t === 'verdict' && m.id === id);
	}

	/** Binary frames for a document received from index `since` of the log. */
	framesFor(docId: string, since = 0) {
		return this.log.slice(since).filter((e) => 'binary' in e && e.binary.doc === docId);
	}

	org(orgId: string): OrgView {
		return view(this.docs.get(orgDocId(orgId)));
	}

	close() {
		if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
	}
}
