import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeSyncFrame, step1Frame, SYNC_STEP2, SYNC_UPDATE } from '$lib/protocol/frames.ts';
import { CLOSE, orgDocId, projectDocId } from '$lib/protocol/messages.ts';
import { SyncHub } from '../../sync-server/hub.ts';
import type { DocumentStore, StoreBatch, StoreTransaction } from '../../sync-server/storage/documents.ts';
import { asyncAccounts, type AccountStore } from '../../sync-server/storage/accounts.ts';
import { openSqlite } from '../../sync-server/storage/sqlite.ts';
import { MemorySocketPair } from '../../sync-server/sync/transport.ts';

/** The hub over in-memory sockets: nothing moves until flushed, no network, no timers. */

const ORG = 'acme';
const DOC = orgDocId(ORG);
const user = (name: string) => ({ id: `id-${name}`, username: name, email: `${name}@example.com`, emailVerified: true, displayName: '' });
const alice = user('alice');
const bob = user('bob');
const carol = user('carol');

/** A documents store whose commits a test may hold, then let through or fail. */
class HeldDocuments implements DocumentStore {
	readonly commits: StoreBatch[] = [];
	holding = false;
	private held: { batch: StoreBatch; go: () => void; fail: (err: Error) => void }[] = [];
	constructor(private readonly inner: DocumentStore) {}
	docUpdates = (docId: string) => this.inner.docUpdates(docId);
	docIdsWithPrefix = (prefix: string) => this.inner.docIdsWithPrefix(prefix);
	/** Set: the next write transaction fails to open (its idempotency lookup with it), as a networked store's may. */
	failLookup = false;
	mutation = (userId: string, id: string) => this.inner.mutation(userId, id);
	activity = (orgId: string, f: Parameters<DocumentStore['activity']>[1]) => this.inner.activity(orgId, f);
	docsOf = (userId: string) => this.inner.docsOf(userId);
	invitationsFor = (email: string) => this.inner.invitationsFor(email);
	webhook = (orgId: string) => this.inner.webhook(orgId);
	lastDelivery = (orgId: string) => this.inner.lastDelivery(orgId);
	recordDelivery: DocumentStore['recordDelivery'] = (...args) => this.inner.recordDelivery(...args);
	forgetUser = (userId: string) => this.inner.forgetUser(userId);
	orgLog = (orgId: string, after: number) => this.inner.orgLog(orgId, after);
	history: DocumentStore['history'] = (...args) => this.inner.history(...args);
	heads = (orgIds: readonly string[]) => this.inner.heads(orgIds);
	keepExpiryDue: DocumentStore['keepExpiryDue'] = (...args) => this.inner.keepExpiryDue(...args);
	expiryDueBy = (now: number) => this.inner.expiryDueBy(now);
	expiryDueFilled = () => this.inner.expiryDueFilled();
	markExpiryDueFilled = () => this.inner.markExpiryDueFilled();
	watch = () => () => {};
	endSessions = () => this.inner.endSessions([]);
	watchSessions = () => () => {};
	sharePresence = () => {};
	watchPresence = () => () => {};
	async begin(orgs: Parameters<DocumentStore['begin']>[0], keys: Parameters<DocumentStore['begin']>[1]): Promise<StoreTransaction> {
		if (this.failLookup) {
			this.failLookup = false;
			throw new Error('connection reset');
		}
		const tx = await this.inner.begin(orgs, keys);
		return {
			...tx,
			logs: tx.logs,
			recorded: tx.recorded,
			commit: (batch) =>
				this.held_(
					batch,
					() => tx.commit(batch),
					() => tx.rollback()
				)
		};
	}
	commit(batch: StoreBatch): Promise<number[]> {
		return this.held_(batch, () => this.inner.commit(batch));
	}
	private async held_(batch: StoreBatch, commit: () => Promise<number[]>, rollback?: () => Promise<void>): Promise<number[]> {
		if (this.holding)
			await new Promise<void>((go, fail) => this.held.push({ batch, go, fail })).catch(async (err: unknown) => {
				await rollback?.();
				throw err;
			});
		this.commits.push(batch);
		return commit();
	}
	heldCount() {
		return this.held.length;
	}
	release() {
		for (const h of this.held.splice(0)) h.go();
	}
	failHeld() {
		for (const h of this.held.splice(0)) h.fail(new Error('disk full'));
	}
}

/** One event-loop turn: the group commit runs on the next one (setImmediate), and everything it sets off follows in microtasks. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

type Sent = { t?: string; id?: string; ok?: boolean; doc?: string; binary?: { doc: string; kind: number } };
const read = (pair: MemorySocketPair): Sent[] =>
	pair.flushServerSent().map((f) => {
		if (typeof f === 'string') return JSON.parse(f) as Sent;
		const frame = decodeSyncFrame(f);
		return { binary: { doc: frame.doc, kind: frame.kind } };
	});
const mutate = (id: string, mutation: object) => JSON.stringify({ t: 'mutate', id, mutation });

describe('the hub over in-memory sockets', () => {
	let dir: string;
	let sqlite: ReturnType<typeof openSqlite>;
	let documents: HeldDocuments;
	let hub: SyncHub;
	let failures: unknown[];
	/** Set: reading this session waits until `release` is called. */
	let slowSession: { hash: string; reached: () => void; wait: Promise<void> } | undefined;

	beforeEach(async () => {
		dir = mkdtempSync(join(tmpdir(), 'roster-hub-memory-'));
		sqlite = openSqlite(dir);
		for (const u of [alice, bob, carol]) sqlite.accounts.insertUser({ ...u, passwordHash: 'x' }, 0);
		documents = new HeldDocuments(sqlite.documents);
		failures = [];
		slowSession = undefined;
		const accounts = asyncAccounts(sqlite.accounts);
		const store: AccountStore = {
			...accounts,
			session: async (hash) => {
				if (hash === slowSession?.hash) {
					slowSession.reached();
					await slowSession.wait;
				}
				return accounts.session(hash);
			}
		};
		hub = new SyncHub({ store, documents, onCommitFailure: (err) => failures.push(err) });
		expect(await hub.submitAndWait(alice.id, 'create', { type: 'org.create', orgId: ORG, name: 'Acme' })).toEqual({ ok: true });
		expect(
			await hub.submitAndWait(alice.id, 'add-bob', { type: 'member.add', orgId: ORG, username: 'bob', role: 'ORG_MEMBER', teams: [] })
		).toEqual({ ok: true });
		documents.commits.length = 0;
	});
	afterEach(() => {
		sqlite.close();
		rmSync(dir, { recursive: true, force: true });
	});

	/** A signed-in socket, welcomed and subscribed to the organization's document. */
	async function connect(who: typeof alice, on = hub) {
		const pair = new MemorySocketPair();
		const conn = on.attach(pair.serverSocket, who, `session-${who.username}`);
		const handled: Promise<void>[] = [];
		pair.deliver = (frame) => void handled.push(on.receive(conn, frame));
		pair.clientSend(step1Frame(DOC, new Y.Doc()));
		const flush = async () => {
			pair.flushClientSent();
			await Promise.all(handled.splice(0));
		};
		await flush();
		expect(read(pair).map((s) => s.t ?? s.binary?.kind)).toEqual(['welcome', SYNC_STEP2]);
		return { pair, flush };
	}

	it('commits what one turn checked in one call, and answers after it', async () => {
		const a = await connect(alice);
		a.pair.clientSend(mutate('team-one-1', { type: 'team.create', orgId: ORG, teamId: 'one', name: 'One' }));
		a.pair.clientSend(mutate('team-two-1', { type: 'team.create', orgId: ORG, teamId: 'two', name: 'Two' }));
		await a.flush();
		expect(read(a.pair)).toEqual([]);
		await turn();
		expect(documents.commits).toHaveLength(1);
		expect(documents.commits[0]!.mutations.map((m) => m.id)).toEqual(['team-one-1', 'team-two-1']);
		const sent = read(a.pair);
		expect(sent.map((s) => s.t ?? 'update')).toEqual(['update', 'verdict', 'verdict']);
	});

	it('sends no verdict and no update until the commit is durable', async () => {
		const a = await connect(alice);
		const b = await connect(bob);
		documents.holding = true;
		a.pair.clientSend(mutate('team-held-1', { type: 'team.create', orgId: ORG, teamId: 'held', name: 'Held' }));
		await a.flush();
		await turn();
		expect(documents.heldCount()).toBe(1);
		expect(read(a.pair)).toEqual([]);
		expect(read(b.pair)).toEqual([]);
		documents.release();
		await turn();
		expect(read(a.pair).map((s) => s.t ?? 'update')).toEqual(['update', 'verdict']);
		expect(read(b.pair).map((s) => s.binary)).toEqual([{ doc: DOC, kind: SYNC_UPDATE }]);
	});

	it('answers a retried id with the first verdict and applies it once', async () => {
		const a = await connect(alice);
		documents.holding = true;
		const create = mutate('team-retry-1', { type: 'team.create', orgId: ORG, teamId: 'retry', name: 'Retry' });
		a.pair.clientSend(create);
		a.pair.clientSend(create);
		await a.flush();
		await turn();
		documents.release();
		await turn();
		expect(documents.commits.flatMap((c) => c.mutations.map((m) => m.id))).toEqual(['team-retry-1']);
		expect(read(a.pair).filter((s) => s.t === 'verdict')).toEqual([
			{ t: 'verdict', id: 'team-retry-1', ok: true },
			{ t: 'verdict', id: 'team-retry-1', ok: true }
		]);
		documents.holding = false;
		a.pair.clientSend(create);
		await a.flush();
		await turn();
		expect(read(a.pair)).toEqual([{ t: 'verdict', id: 'team-retry-1', ok: true }]);
		expect((await hub.orgState(ORG))!.teams().filter((t) => t.id === 'retry')).toHaveLength(1);
		expect(documents.commits.flatMap((c) => c.mutations.map((m) => m.id))).toEqual(['team-retry-1']);
	});

	it('revokes a removed member before broadcasting, and sends the sender its update before its verdict', async () => {
		const a = await connect(alice);
		const b = await connect(bob);
		a.pair.clientSend(mutate('remove-bob-1', { type: 'member.remove', orgId: ORG, userId: bob.id }));
		await a.flush();
		await turn();
		expect(read(b.pair)).toEqual([{ t: 'revoked', doc: DOC, reason: 'You no longer have access to this.' }]);
		expect(read(a.pair).map((s) => s.t ?? 'update')).toEqual(['update', 'verdict']);
	});

	it('forgets a failed commit: no verdict, no broadcast, the organization read again, and its sockets closed so they send again', async () => {
		const a = await connect(alice);
		const b = await connect(bob);
		documents.holding = true;
		a.pair.clientSend(mutate('team-lost-1', { type: 'team.create', orgId: ORG, teamId: 'lost', name: 'Lost' }));
		await a.flush();
		await turn();
		documents.failHeld();
		await turn();
		await turn();
		expect(failures).toHaveLength(1);
		expect(read(a.pair)).toEqual([]);
		expect(read(b.pair)).toEqual([]);
		expect(a.pair.closed).toEqual(CLOSE.storeUnavailable);
		expect(b.pair.closed).toEqual(CLOSE.storeUnavailable);
		expect(await documents.mutation(alice.id, 'team-lost-1')).toBeUndefined();
		// What memory held of it is gone; sent again once the store is back, it is checked afresh and kept once.
		expect((await hub.orgState(ORG))!.teams().map((t) => t.id)).toEqual([]);
		documents.holding = false;
		const create = { type: 'team.create', orgId: ORG, teamId: 'lost', name: 'Lost' };
		expect(await hub.submitAndWait(alice.id, 'team-lost-1', create)).toEqual({ ok: true });
		expect((await hub.orgState(ORG))!.teams().map((t) => t.id)).toEqual(['lost']);
	});

	it('never subscribes a socket that closed while its sync request was being handled', async () => {
		const pair = new MemorySocketPair();
		const conn = hub.attach(pair.serverSocket, bob, 'session-bob');
		const handled = hub.receive(conn, step1Frame(DOC, new Y.Doc()));
		pair.serverSocket.close(1000, 'bye');
		hub.detach(conn);
		await handled;
		const rooms = (hub as unknown as { rooms: { get(o: string): { docRoom(d: string): { subscribers: Set<unknown> } } } }).rooms;
		expect(rooms.get(ORG).docRoom(DOC).subscribers.has(conn)).toBe(false);
	});

	it('frees a mutation id whose commit could not begin (the store failed), so a retry is checked afresh', async () => {
		documents.failLookup = true;
		const create = { type: 'team.create', orgId: ORG, teamId: 'one', name: 'One' };
		await expect(hub.submitAndWait(alice.id, 'team-one', create)).rejects.toThrow('connection reset');
		expect(await hub.submitAndWait(alice.id, 'team-one', create)).toEqual({ ok: true });
	});

	it('grants a document to a socket opened while a batch was prepared only after reading its session timeouts', async () => {
		const PROJECT = projectDocId(ORG, 'p1');
		expect(
			await hub.submitAndWait(alice.id, 'add-carol', { type: 'member.add', orgId: ORG, username: 'carol', role: 'ORG_MEMBER', teams: [] })
		).toEqual({ ok: true });
		expect(await hub.submitAndWait(alice.id, 'p1', { type: 'project.create', orgId: ORG, projectId: 'p1', name: 'P1' })).toEqual({
			ok: true
		});
		// Bob's session timed out in Acme before a restart: the store says so, memory knows nothing yet.
		await sqlite.accounts.insertSession('session-bob', bob.id, 0);
		await sqlite.accounts.expireSessionOrg('session-bob', ORG, 0);
		// Carol is connected; reading her session ahead of publishing takes a while.
		const c = new MemorySocketPair();
		hub.attach(c.serverSocket, carol, 'session-carol');
		await turn();
		let release = () => {};
		let reached = () => {};
		const reading = new Promise<void>((r) => (reached = r));
		slowSession = { hash: 'session-carol', reached, wait: new Promise<void>((r) => (release = r)) };
		const roles = ['PROJECT_READ_ONLY'];
		const addBoth = Promise.all(
			[bob, carol].map((u) =>
				hub.submitAndWait(alice.id, `p1-${u.username}`, {
					type: 'project.addUser',
					orgId: ORG,
					projectId: 'p1',
					username: u.username,
					roles
				})
			)
		);
		await reading;
		// While the committed batch is prepared, Bob opens a socket with his timed-out session.
		const b = new MemorySocketPair();
		const bobConn = hub.attach(b.serverSocket, bob, 'session-bob');
		release();
		expect(await addBoth).toEqual([{ ok: true }, { ok: true }]);
		await turn();
		expect(bobConn.docs.has(PROJECT)).toBe(false);
		expect(read(b).filter((s) => s.binary?.doc === PROJECT)).toEqual([]);
	});

	it("does not commit a connection's later mutation once an earlier one of it failed to commit", async () => {
		const a = await connect(alice);
		documents.holding = true;
		const create = { type: 'team.create', orgId: ORG, teamId: 'one', name: 'One' };
		const rename = { type: 'team.rename', orgId: ORG, teamId: 'one', name: 'Uno' };
		a.pair.clientSend(mutate('create-one', create));
		await a.flush();
		await turn();
		expect(documents.heldCount()).toBe(1);
		// Sent after the create, queued for the next commit while the create's is under way.
		a.pair.clientSend(mutate('rename-one', rename));
		await a.flush();
		documents.holding = false;
		documents.failHeld();
		await turn();
		await turn();
		expect(a.pair.closed).toEqual(CLOSE.storeUnavailable);
		// Reconnected, the client sends both again, in order: the rename must not have been refused meanwhile.
		expect(await hub.submitAndWait(alice.id, 'create-one', create)).toEqual({ ok: true });
		expect(await hub.submitAndWait(alice.id, 'rename-one', rename)).toEqual({ ok: true });
		expect((await hub.orgState(ORG))!.teams().map((t) => t.name)).toEqual(['Uno']);
	});

	it('never answers a sync request from a copy that a failed commit let go', async () => {
		const a = await connect(alice);
		documents.holding = true;
		a.pair.clientSend(mutate('team-ghost-1', { type: 'team.create', orgId: ORG, teamId: 'ghost', name: 'Ghost' }));
		await a.flush();
		await turn();
		expect(documents.heldCount()).toBe(1);
		// Bob asks for the document while the commit is under way: his answer waits for it.
		const b = new MemorySocketPair();
		const bobConn = hub.attach(b.serverSocket, bob, 'session-bob');
		const asked = hub.receive(bobConn, step1Frame(DOC, new Y.Doc()));
		await turn();
		documents.holding = false;
		documents.failHeld();
		await asked;
		await turn();
		const durable = new Y.Doc();
		for (const row of await sqlite.documents.docUpdates(DOC)) Y.applyUpdate(durable, row.data);
		const replica = new Y.Doc();
		for (const f of b.flushServerSent()) {
			if (typeof f === 'string') continue;
			const frame = decodeSyncFrame(f);
			if (frame.doc === DOC && frame.kind === SYNC_STEP2) Y.applyUpdate(replica, frame.payload);
		}
		// What Bob holds is what is durable (the failed team is not in it) ...
		expect(Y.encodeStateVector(replica)).toEqual(Y.encodeStateVector(durable));
		// ... and he is subscribed to the copy that later commits are published from (or was closed, to ask again).
		if (!b.closed) {
			expect(await hub.submitAndWait(alice.id, 'team-real-1', { type: 'team.create', orgId: ORG, teamId: 'real', name: 'Real' })).toEqual({
				ok: true
			});
			await turn();
			expect(read(b).map((s) => s.binary?.kind)).toContain(SYNC_UPDATE);
		}
	});

	it('publishes what another server committed even when the commit that read it fails', async () => {
		const ORG2 = 'other';
		const accounts = asyncAccounts(sqlite.accounts);
		// Another server on the same store.
		const elsewhere = new SyncHub({ store: accounts, documents: sqlite.documents, onCommitFailure: (err) => failures.push(err) });
		expect(await hub.submitAndWait(alice.id, 'create-2', { type: 'org.create', orgId: ORG2, name: 'Other' })).toEqual({ ok: true });
		const b = await connect(bob);
		documents.holding = true;
		const first = hub.submitAndWait(alice.id, 'o2-one', { type: 'team.create', orgId: ORG2, teamId: 'one', name: 'One' });
		while (documents.heldCount() === 0) await turn();
		// Meanwhile Bob is removed from Acme on the other server, and this one is woken.
		expect(await elsewhere.submitAndWait(alice.id, 'remove-bob-2', { type: 'member.remove', orgId: ORG, userId: bob.id })).toEqual({
			ok: true
		});
		const caughtUp = hub.catchUp(ORG);
		const second = hub.submitAndWait(alice.id, 'o2-two', { type: 'team.create', orgId: ORG2, teamId: 'two', name: 'Two' });
		await turn();
		documents.release();
		expect(await first).toEqual({ ok: true });
		// The next commit reads Acme's log (Bob's removal), then fails.
		while (documents.heldCount() === 0) await turn();
		documents.holding = false;
		documents.failHeld();
		await expect(second).rejects.toThrow('disk full');
		await caughtUp;
		await turn();
		// Bob's socket here must lose Acme (or be closed so that it asks again), not keep it silently.
		const revoked = read(b.pair).some((s) => s.t === 'revoked' && s.doc === DOC);
		expect(revoked || b.pair.closed !== undefined).toBe(true);
		elsewhere.close();
	});

	it('brings a copy up to date when every wake-up is lost: the periodic catch-up reads the heads and publishes what it lacks', async () => {
		// Another server on the same store that never hears a wake-up (the SQLite store sends none), reading heads often.
		const follower = new SyncHub({ store: asyncAccounts(sqlite.accounts), documents: sqlite.documents, catchUpEveryMs: 10 });
		try {
			const b = await connect(bob, follower);
			expect(await hub.submitAndWait(alice.id, 'team-far-1', { type: 'team.create', orgId: ORG, teamId: 'far', name: 'Far' })).toEqual({
				ok: true
			});
			const received: Sent[] = [];
			while (!received.some((s) => s.binary?.kind === SYNC_UPDATE)) {
				await new Promise((resolve) => setTimeout(resolve, 5));
				received.push(...read(b.pair));
			}
			expect((await follower.orgState(ORG))!.teams().map((t) => t.id)).toEqual(['far']);
		} finally {
			follower.close();
		}
	});
});
