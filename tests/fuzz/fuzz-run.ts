import { expect } from 'vitest';
import * as Y from 'yjs';
import { orgMaps } from '$lib/domain/index.ts';
import { encodeSyncFrame, SYNC_STEP2, SYNC_UPDATE } from '$lib/protocol/frames.ts';
import { billingDocId, orgDocId, type VerdictMessage } from '$lib/protocol/messages.ts';
import { signUp, verificationLink } from '../server/test-client.ts';
import { OneServer, type FuzzServers } from './fuzz-servers.ts';
import { HistoryCheck } from './history-check.ts';
import { RosterModel, invariantViolations, sameOutcome, showOutcome, snapshotOf, type Outcome } from './org-model.ts';
import { ALL_ORGS, NAMES, ROLES, randomMutation } from './random-mutation.ts';
import { Replica } from './replica.ts';
import { Rng } from './rng.ts';

export interface FuzzOptions {
	seed: number;
	/** Mutations to send, retries included. */
	mutations: number;
	/** How many server restarts, at random points of the run. */
	restarts: number;
	/** A full replica comparison after about this many mutations. */
	checkpointEvery?: number;
	/** Where clients connect (default: one in-process server); with several instances, each restart is one instance's. */
	servers?: FuzzServers;
}

interface User {
	name: string;
	id: string;
	email: string;
	cookie: string;
}

interface Sent {
	replica: Replica;
	id: string;
	body: unknown;
}

/** Every order of the elements that keeps each socket's own order (a socket is FIFO); the sent order first. */
function* socketOrders(elements: readonly Sent[]): Generator<number[]> {
	const n = elements.length;
	const order: number[] = [];
	const used = new Array<boolean>(n).fill(false);
	function* extend(): Generator<number[]> {
		if (order.length === n) return yield [...order];
		for (let i = 0; i < n; i++) {
			if (used[i]) continue;
			// An element may go next only if every earlier one on its socket went already.
			if (elements.some((e, j) => j < i && !used[j] && e.replica === elements[i]!.replica)) continue;
			used[i] = true;
			order.push(i);
			yield* extend();
			order.pop();
			used[i] = false;
		}
	}
	yield* extend();
}

export async function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
	});
	try {
		return await Promise.race([promise, timeout]);
	} finally {
		clearTimeout(timer);
	}
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const outcomeOf = (v: VerdictMessage): Outcome => (v.ok ? { ok: true } : { ok: false, code: v.code });

/** A short line for the trail, user ids shown as names. */
function describeBody(body: unknown, names: ReadonlyMap<string, string>): string {
	if (typeof body !== 'object' || body === null) return JSON.stringify(body);
	const { type, orgId, ...rest } = body as Record<string, unknown>;
	const args = Object.values(rest).map((v) => {
		const text = typeof v === 'string' ? (names.get(v) ?? JSON.stringify(v)) : JSON.stringify(v);
		return text.length > 16 ? `${text.slice(0, 16)}…` : text;
	});
	return `${String(type)}@${String(orgId)}(${args.join(', ')})`;
}

/**
 * One seeded run (rules §3, DESIGN "Testing: Convergence"): several users, each with
 * zero to two live connections, send random valid and invalid mutations in bursts;
 * connections drop (some with verdicts in flight, retried later with the same id)
 * and the server restarts. After every burst the server's verdicts must match the
 * reference model in some order each socket allows, and the stored documents must
 * equal the model; at checkpoints every live replica must equal the server.
 *
 * Every choice comes from the seed, so a seed replays the same run; the one thing left
 * to timing is the order in which the server reads sockets of one burst, which the
 * model follows (stats.reordered counts it; it has not happened on localhost).
 */
export class FuzzRun {
	private readonly servers: FuzzServers;
	private readonly rng: Rng;
	private model = new RosterModel();
	private users: User[] = [];
	private open: Replica[] = [];
	private readonly everyReplica: Replica[] = [];
	/** One per instance, a member of nothing: it must be sent nothing, and its barrier reaches its instance. */
	private watchers: Replica[] = [];
	private watcherCookie = '';
	private watcherId = '';
	/** Mutations sent on a socket closed right after (verdicts usually lost): retried with the same ids on the user's next connection. */
	private readonly owed = new Map<string, { id: string; body: unknown }[]>();
	private readonly history: { userId: string; id: string; body: unknown }[] = [];
	/** The state after every accepted mutation, checked against the history rebuilt from the log at the end. */
	readonly hindsight = new HistoryCheck();
	readonly trail: string[] = [];
	private readonly names = new Map<string, string>();
	private sent = 0;
	private ids = 0;
	private barriers = 0;
	private tabs = 0;
	readonly stats = {
		...{ bursts: 0, accepted: 0, refused: 0, lost: 0, retried: 0, reordered: 0 },
		...{ restarts: 0, frames: 0, verified: 0, revocations: 0, rejoins: 0, rebuilt: 0 }
	};

	constructor(private readonly options: FuzzOptions) {
		this.rng = new Rng(options.seed);
		this.servers = options.servers ?? new OneServer();
	}

	async run() {
		await this.servers.start();
		try {
			await this.setUp();
			const { mutations, restarts } = this.options;
			const restartAt = Array.from({ length: restarts }, () => Math.floor(mutations * (0.2 + 0.6 * this.rng.next()))).sort((a, b) => a - b);
			const every = this.options.checkpointEvery ?? 10;
			let nextCheckpoint = every;
			while (this.sent < mutations) {
				if (restartAt.length && this.sent >= restartAt[0]!) {
					restartAt.shift();
					await this.restart();
					continue;
				}
				if (this.sent >= nextCheckpoint) {
					nextCheckpoint += every;
					await this.checkpoint(`after ${this.sent} mutations`);
				}
				if (!this.open.some((r) => !this.watchers.includes(r))) {
					await this.connect(this.rng.pick(this.users));
					continue;
				}
				await this.step();
			}
			for (const user of this.users) {
				if (this.owed.has(user.id) || !this.open.some((r) => r.userId === user.id)) await this.connect(user);
			}
			await this.checkpoint('at the end');
			await this.finalCheck();
			await this.hindsight.verify(this.servers.documents, this.where());
			this.stats.rebuilt = this.hindsight.checked;
			this.stats.revocations = this.everyReplica.reduce((n, r) => n + r.revocations, 0);
			this.stats.rejoins = this.everyReplica.reduce((n, r) => n + r.rejoins, 0);
		} finally {
			await this.servers.stop();
		}
	}

	private where(): string {
		const seed = `0x${this.options.seed.toString(16).padStart(8, '0')}`;
		return `seed ${seed} after ${this.sent} mutations; last steps:\n  ${this.trail.slice(-12).join('\n  ')}`;
	}

	private note(line: string) {
		this.trail.push(line);
	}

	private async setUp() {
		for (const [i, name] of NAMES.entries()) {
			const { cookie, user } = await signUp(this.servers.base(i % this.servers.count), name);
			this.users.push({ name, id: user.id, email: user.email, cookie });
			this.names.set(user.id, name);
			this.model.addUser({ id: user.id, username: user.username, email: user.email, verified: false });
		}
		const watcher = await signUp(this.servers.base(0), 'watcher');
		this.watcherCookie = watcher.cookie;
		this.watcherId = watcher.user.id;
		for (let i = 0; i < this.servers.count; i++) await this.attachWatcher(i);
		// Two or three verified emails: the others cannot receive primary admin until verified mid-run.
		const verified = 2 + this.rng.int(2);
		for (const user of this.users.slice(0, verified)) await this.verify(user);
		for (const user of this.users) await this.connect(user);
		const ann = this.open.find((r) => r.userId === this.users[0]!.id);
		await this.burst([{ replica: ann!, id: this.newId(), body: { type: 'org.create', orgId: 'acme', name: 'Acme' } }]);
		for (const name of NAMES.slice(1, 3 + this.rng.int(2))) {
			const role = this.rng.pick(ROLES);
			await this.burst([{ replica: ann!, id: this.newId(), body: { type: 'member.add', orgId: 'acme', username: name, role } }]);
		}
		expect(this.model.memberIds('acme').length, this.where()).toBeGreaterThanOrEqual(3);
	}

	private newId() {
		return `fuzz-${this.options.seed}-m${++this.ids}`;
	}

	private async attachWatcher(instance: number) {
		this.watchers[instance] = await this.attach(this.watcherCookie, this.watcherId, `watcher@${instance}`, instance);
	}

	/** A socket to `instance`, or to each instance in turn. */
	private async attach(cookie: string, userId: string, name: string, instance = this.tabs % this.servers.count) {
		const client = await within(this.servers.connect(cookie, instance), `connect ${name}`);
		const replica = new Replica(client, userId, name, instance);
		this.open.push(replica);
		this.everyReplica.push(replica);
		return replica;
	}

	/** A new connection for the user: its welcome lists exactly its organizations, then it retries what it is owed. */
	private async connect(user: User) {
		const replica = await this.attach(user.cookie, user.id, `${user.name}#${++this.tabs}`);
		this.note(`connect ${replica.name}`);
		expectWelcome(replica.client.welcome().docs, this.model.membershipsOf(user.id), `${replica.name}'s welcome; ${this.where()}`);
		const owed = this.owed.get(user.id) ?? [];
		this.owed.delete(user.id);
		if (owed.length) {
			this.stats.retried += owed.length;
			await this.burst(owed.map((o) => ({ replica, ...o })));
		}
		return replica;
	}

	private async close(replica: Replica) {
		this.note(`close ${replica.name}`);
		this.open = this.open.filter((r) => r !== replica);
		replica.client.close();
		await within(replica.client.closed, `${replica.name} closing`);
	}

	private async verify(user: User) {
		// The mailed link names the port the server had then; a restart changes it.
		const link = new URL(verificationLink(this.servers.dataDir, user.email));
		const base = this.servers.base(this.stats.verified % this.servers.count);
		const follow = () => fetch(new URL(link.pathname + link.search, base), { redirect: 'manual' });
		const first = await follow();
		expect(first.headers.get('location'), `verify ${user.name}; ${this.where()}`).toBe('/?verified=1');
		this.model.verify(user.id);
		this.stats.verified++;
		this.note(`verify ${user.name}`);
		if (this.rng.chance(0.3)) expect((await follow()).headers.get('location'), 'a verification link works once').toBe('/?verified=0');
	}

	private async step() {
		const action = this.rng.weighted([
			['burst', 74],
			['close', 6],
			['connect', 9],
			['verify', 3],
			['frame', 5],
			['peek', 3]
		] as const);
		const members = this.open.filter((r) => !this.watchers.includes(r));
		if (action === 'burst') return this.randomBurst();
		if (action === 'close') return this.close(this.rng.pick(members));
		if (action === 'connect') {
			const candidates = this.users.filter((u) => this.open.filter((r) => r.userId === u.id).length < 2);
			if (candidates.length) await this.connect(this.rng.pick(candidates));
			return;
		}
		if (action === 'verify') {
			const unverified = this.users.filter((u) => !this.model.users.get(u.id)!.verified);
			if (unverified.length) {
				await this.verify(this.rng.pick(unverified));
				// The profile copy is broadcast by the flush after the verification: wait for it.
				await this.barrier();
				await this.expectStoreMatchesModel('after a verification');
			}
			return;
		}
		if (action === 'frame') return this.badFrame(this.rng.pick(members));
		return this.peek(this.rng.pick(members));
	}

	private pickActor(): Replica {
		const members = this.open.filter((r) => !this.watchers.includes(r));
		// Owners get most turns, or nearly everything would be refused as FORBIDDEN.
		const owners = members.filter((r) => this.model.ownedBy(r.userId).length);
		return owners.length && this.rng.chance(0.7) ? this.rng.pick(owners) : this.rng.pick(members);
	}

	private async randomBurst() {
		const size = this.rng.weighted([
			[1, 45],
			[2, 25],
			[3, 18],
			[4, 12]
		] as const);
		const elements: Sent[] = [];
		for (let i = 0; i < size; i++) {
			const replica = this.pickActor();
			const body = randomMutation(this.rng, this.model, this.users, replica.userId);
			let id = this.newId();
			const own = this.history.filter((h) => h.userId === replica.userId);
			const roll = this.rng.next();
			if (roll < 0.04 && own.length) {
				// A retry of an earlier mutation: answered with its first verdict, not applied again.
				const earlier = this.rng.pick(own);
				elements.push({ replica, id: earlier.id, body: earlier.body });
				continue;
			}
			if (roll < 0.07 && own.length)
				id = this.rng.pick(own).id; // the same id for another mutation
			else if (roll < 0.09 && this.history.length) id = this.rng.pick(this.history).id; // maybe another user's id
			elements.push({ replica, id, body });
		}
		if (this.rng.chance(0.08)) {
			// The same mutation sent twice at once, on the same socket or the user's other tab.
			const twin = this.rng.pick(elements);
			const tabs = this.open.filter((r) => r.userId === twin.replica.userId);
			elements.push({ ...twin, replica: this.rng.pick(tabs) });
		}
		const closing = this.rng.chance(0.1) ? this.rng.pick(elements).replica : undefined;
		await this.burst(elements, closing);
	}

	/**
	 * Sends the elements at once (closing `closing` right after, which loses its verdicts),
	 * then finds an order each socket allows in which the model gives the same verdicts
	 * and ends in the state the store holds.
	 */
	private async burst(elements: Sent[], closing?: Replica) {
		this.stats.bursts++;
		this.sent += elements.length;
		for (const e of elements) this.history.push({ userId: e.replica.userId, id: e.id, body: e.body });
		const answers = elements.map((e) =>
			e.replica.client.mutate(e.body, e.id).then(
				(v): Outcome | undefined => outcomeOf(v),
				() => undefined
			)
		);
		if (closing) this.open = this.open.filter((r) => r !== closing);
		closing?.client.close();
		const got = await within(Promise.all(answers), `verdicts of ${elements.map((e) => e.id).join(', ')}; ${this.where()}`);
		// The server read the closing socket's mutations before its close: after a barrier they are on record.
		if (closing) await this.barrier();
		const actual = await Promise.all(
			got.map(async (g, i): Promise<Outcome> => {
				const e = elements[i]!;
				// Whatever the closing socket sent is retried on the user's next connection, answered or not
				// (whether a verdict beat the close is timing; retrying all keeps the run the same every time).
				if (e.replica === closing) {
					const owed = this.owed.get(e.replica.userId) ?? [];
					owed.push({ id: e.id, body: e.body });
					this.owed.set(e.replica.userId, owed);
				}
				if (g) return g;
				this.stats.lost++;
				const stored = (await this.servers.documents.mutation(e.replica.userId, e.id)) ?? (await this.resend(e));
				expect(stored, `the server has no record of ${e.id}, sent before its socket closed; ${this.where()}`).toBeDefined();
				return stored!.ok ? { ok: true } : { ok: false, code: stored!.code };
			})
		);
		const line = elements
			.map((e, i) => {
				const verdict = got[i] ? showOutcome(got[i]) : `lost(${showOutcome(actual[i])})`;
				return `${e.replica.name} ${e.id} ${describeBody(e.body, this.names)} → ${verdict}`;
			})
			.join(' | ');
		this.note(`burst${closing ? ` closing ${closing.name}` : ''}: ${line}`);
		await this.adopt(elements, actual);
		for (const a of actual) this.stats[a.ok ? 'accepted' : 'refused']++;
	}

	/**
	 * Server processes on PostgreSQL may still hold a closed socket's frame (its session read from the
	 * database) or have dropped it at the close: sent again under its id, it is applied once either
	 * way, and answered with its first verdict. One server on SQLite has always recorded it.
	 */
	private async resend(e: Sent) {
		if (this.servers.count === 1) return undefined;
		const user = this.users.find((u) => u.id === e.replica.userId)!;
		const client = await within(this.servers.connect(user.cookie, e.replica.instance), `connect ${user.name} to resend ${e.id}`);
		try {
			return outcomeOf(await within(client.mutate(e.body, e.id), `verdict of ${e.id} sent again; ${this.where()}`));
		} finally {
			client.close();
		}
	}

	private async adopt(elements: Sent[], actual: Outcome[]) {
		const stored = await this.storeSnapshots();
		let expected: Outcome[] | undefined;
		for (const order of socketOrders(elements)) {
			const model = this.model.clone();
			const predicted = new Array<Outcome>(elements.length);
			for (const i of order) predicted[i] = model.submit(elements[i]!.replica.userId, elements[i]!.id, elements[i]!.body);
			expected ??= predicted;
			if (!predicted.every((p, i) => sameOutcome(p, actual[i]!))) continue;
			if (JSON.stringify(this.modelSnapshots(model)) !== JSON.stringify(stored)) continue;
			if (order.some((i, k) => i !== k)) this.stats.reordered++;
			const accepted = elements.filter((_, i) => actual[i]!.ok).map((e) => ({ userId: e.replica.userId, id: e.id, body: e.body }));
			this.hindsight.burst(this.model, accepted);
			this.model = model;
			await this.expectMembershipsMatchModel();
			return;
		}
		const model = this.model.clone();
		for (const e of elements) model.submit(e.replica.userId, e.id, e.body);
		expect(
			{ verdicts: actual.map(showOutcome), state: stored },
			`no order of the burst explains the server's verdicts and state; ${this.where()}`
		).toEqual({ verdicts: expected!.map(showOutcome), state: this.modelSnapshots(model) });
	}

	private modelSnapshots(model: RosterModel) {
		return Object.fromEntries(ALL_ORGS.map((id) => [id, model.snapshot(id) ?? null]));
	}

	private async storedDoc(orgId: string): Promise<Y.Doc> {
		const doc = new Y.Doc();
		for (const row of await this.servers.documents.docUpdates(orgDocId(orgId))) Y.applyUpdate(doc, row.data);
		return doc;
	}

	private async storeSnapshots() {
		return Object.fromEntries(await Promise.all(ALL_ORGS.map(async (id) => [id, snapshotOf(await this.storedDoc(id)) ?? null])));
	}

	private async expectStoreMatchesModel(when: string) {
		expect(await this.storeSnapshots(), `stored documents vs model ${when}; ${this.where()}`).toEqual(this.modelSnapshots(this.model));
		await this.expectMembershipsMatchModel();
	}

	private async expectMembershipsMatchModel() {
		for (const user of this.users) {
			expect((await this.servers.documents.docsOf(user.id)).sort(), `${user.name}'s stored memberships; ${this.where()}`).toEqual(
				this.model.membershipsOf(user.id).map(orgDocId)
			);
		}
	}

	/** Frames that are not mutations: each gets an error, and nothing changes. */
	private async badFrame(replica: Replica) {
		this.stats.frames++;
		const kind = this.rng.pick(['not-json', 'short-id', 'unknown-message', 'raw-update', 'raw-step2'] as const);
		const since = replica.client.log.length;
		if (kind === 'not-json') replica.client.send('{"t":"mutate",');
		else if (kind === 'short-id') {
			replica.client.send({ t: 'mutate', id: 'short', mutation: { type: 'org.rename', orgId: 'acme', name: 'Shorty' } });
		} else if (kind === 'unknown-message') replica.client.send({ t: 'apply', doc: 'org:acme' });
		else {
			// A real update on top of the replica's copy (or of nothing): a forged owner and a new name.
			const docId = orgDocId('acme');
			const fork = new Y.Doc();
			const mine = replica.client.docs.get(docId);
			if (mine) Y.applyUpdate(fork, Y.encodeStateAsUpdate(mine));
			const updates: Uint8Array[] = [];
			fork.on('update', (u: Uint8Array) => updates.push(u));
			const { meta, members } = orgMaps(fork);
			fork.transact(() => {
				members.set('mallory', {
					userId: 'mallory',
					username: 'mallory',
					email: 'mallory@example.com',
					emailVerified: true,
					displayName: '',
					role: 'ORG_OWNER',
					joinedAt: 0
				});
				meta.set('org', { id: 'acme', name: 'Pwned', status: 'active', primaryAdminId: 'mallory', createdAt: 0 });
			});
			replica.client.send(encodeSyncFrame(docId, kind === 'raw-update' ? SYNC_UPDATE : SYNC_STEP2, updates[0]!));
		}
		const error = await within(
			replica.client.waitFor((m) => m.t === 'error', since),
			`error for ${kind}; ${this.where()}`
		);
		expect(error, `${kind}; ${this.where()}`).toMatchObject({
			code: kind.startsWith('raw') ? 'RAW_UPDATE_REFUSED' : 'INVALID_FRAME'
		});
		this.note(`${replica.name} bad frame ${kind} → ${error.t === 'error' ? error.code : '?'}`);
		await this.barrier();
		await this.expectStoreMatchesModel(`after a ${kind} frame`);
	}

	/** Asks to sync an organization the user is not in: refused with `revoked`, and nothing is sent. */
	private async peek(replica: Replica) {
		const foreign = ALL_ORGS.filter((id) => !this.model.isMember(id, replica.userId));
		if (!foreign.length) return;
		const docId = orgDocId(this.rng.pick(foreign));
		const entry = await within(replica.client.sync(docId), `sync ${docId}`);
		this.note(`${replica.name} peeks at ${docId}`);
		expect(entry, `${replica.name} asks for ${docId}; ${this.where()}`).toEqual({
			text: expect.objectContaining({ t: 'revoked', doc: docId })
		});
	}

	/** Each live socket sends a refused mutation and awaits its verdict: everything sent before has reached it. */
	private async barrier() {
		await within(
			Promise.all(
				this.open.map(async (r) => {
					const v = await r.client.mutate({ type: 'barrier' }, `fuzz-${this.options.seed}-b${++this.barriers}`);
					expect(v, `barrier on ${r.name}`).toMatchObject({ ok: false, code: 'UNKNOWN_MUTATION' });
				})
			),
			`barrier; ${this.where()}`
		);
	}

	/** Restarts the server, or with several instances one of them (kill -9): its sockets close, the others' stay. */
	private async restart() {
		await this.checkpoint('before a restart');
		this.stats.restarts++;
		const instance = this.servers.count > 1 ? this.rng.int(this.servers.count) : 0;
		this.note(this.servers.count > 1 ? `kill -9 and restart instance ${instance}` : 'restart');
		const closing = this.open.filter((r) => r.instance === instance).map((r) => r.client.closed);
		this.open = this.open.filter((r) => r.instance !== instance);
		await this.servers.restart(instance);
		await within(Promise.all(closing), 'sockets closed by the restart');
		await this.attachWatcher(instance);
		for (const user of this.users) if (this.rng.chance(0.7)) await this.connect(user);
	}

	/** Every live replica equals the stored document of each organization its user is in, and holds none of the others. */
	async checkpoint(when: string) {
		await this.barrier();
		await this.expectStoreMatchesModel(when);
		for (const orgId of ALL_ORGS) {
			const stored = await this.storedDoc(orgId);
			const snapshot = snapshotOf(stored);
			if (snapshot) expect(invariantViolations(snapshot), `invariants of ${orgId} ${when}; ${this.where()}`).toEqual([]);
			const vector = Y.encodeStateVector(stored);
			for (const r of this.open) {
				const docId = orgDocId(orgId);
				// A replica on another instance than the writer's gets the last changes (or its revocation) from the log a moment later.
				const settled = this.model.isMember(orgId, r.userId)
					? () => r.client.docs.has(docId) && hex(Y.encodeStateVector(r.client.docs.get(docId)!)) === hex(vector)
					: () => !r.client.docs.has(docId);
				const holds = () => (r.client.docs.has(docId) ? 'a copy behind the store' : 'no copy');
				await within(r.client.until(settled), `${r.name}'s ${docId} to settle ${when}; ${this.where()}`).catch((err: Error) => {
					throw new Error(`${err.message}\n${r.name} is on instance ${r.instance} and holds ${holds()}`);
				});
				const doc = r.client.docs.get(docId);
				if (!this.model.isMember(orgId, r.userId)) {
					expect(doc, `${r.name} holds ${orgId} without being a member ${when}; ${this.where()}`).toBeUndefined();
					continue;
				}
				expect(snapshotOf(doc), `${r.name}'s copy of ${orgId} ${when}; ${this.where()}`).toEqual(snapshot);
				expect(Y.encodeStateVector(doc!), `${r.name}'s state vector of ${orgId} ${when}`).toEqual(vector);
				// Same content and clock; the encoded documents are byte for byte the same too.
				expect(hex(Y.encodeStateAsUpdate(doc!)), `${r.name}'s encoded ${orgId} ${when}`).toBe(hex(Y.encodeStateAsUpdate(stored)));
			}
		}
		for (const r of this.everyReplica) expect(r.problems, this.where()).toEqual([]);
		expect(
			this.watchers.flatMap((w) => w.client.log.filter((e) => 'binary' in e)),
			'the watchers, members of nothing, got frames'
		).toEqual([]);
	}

	/** A fresh connection per user sees exactly its organizations, as the model has them. */
	private async finalCheck() {
		expect([...this.owed.values()].flat(), 'verdicts never retried').toEqual([]);
		for (const user of this.users) {
			const fresh = await this.attach(user.cookie, user.id, `${user.name} (fresh)`);
			const orgIds = this.model.membershipsOf(user.id);
			expectWelcome(fresh.client.welcome().docs, orgIds, `${user.name}'s final welcome`);
			for (const orgId of orgIds) {
				const doc = fresh.client.docs.get(orgDocId(orgId));
				expect(snapshotOf(doc), `${user.name}'s fresh copy of ${orgId}`).toEqual(this.model.snapshot(orgId));
				const stored = hex(Y.encodeStateAsUpdate(await this.storedDoc(orgId)));
				expect(hex(Y.encodeStateAsUpdate(doc!)), `${user.name}'s fresh encoded ${orgId}`).toBe(stored);
			}
		}
		expect(this.model.orgIds()).toContain('acme');
	}
}

/** Exactly the user's organizations; a billing document only of one of them (which role reads billing is the permission table's to test). */
function expectWelcome(docs: readonly string[], orgIds: readonly string[], where: string) {
	expect(docs.filter((d) => d.startsWith('org:')).sort(), where).toEqual(orgIds.map(orgDocId));
	const billing = docs.filter((d) => !d.startsWith('org:'));
	expect(
		billing.filter((d) => !orgIds.map(billingDocId).includes(d)),
		where
	).toEqual([]);
}
