import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type WebSocket from 'ws';
import * as Y from 'yjs';
import type { Mutation } from '../src/lib/domain/index.ts';
import type { OrgRole } from '../src/lib/domain/schemas.ts';
import { decodeSyncFrame, step1Frame, SYNC_STEP2 } from '../src/lib/protocol/frames.ts';
import { orgDocId } from '../src/lib/protocol/messages.ts';
import { firstMessage, mapLimit, openSocket, toBuffer, within } from './clients.ts';
import type { LoadTarget } from './harness.ts';
import { closedBy, cpuSecondsOf, freePort, makeTempDir, removeTempDir, startChild, type Child } from './proc.ts';

export interface LoadShape {
	clients: number;
	writers: number;
	log: (line: string) => void;
}

/** The Roster server under load, and what another process needs to open one more socket as one of its users (a noisy neighbour). */
export interface RosterTarget extends LoadTarget {
	readonly orgId: string;
	readonly url: string;
	userId(client: number): string;
	cookie(client: number): string;
}

/** One signed-in socket: its verdict callbacks by mutation id. */
interface Client {
	userId: string;
	username: string;
	ws: WebSocket;
	pending: Map<string, (ok: boolean) => void>;
}

const ORG_ID = 'bench-org';
const PASSWORD = 'bench-password-1';
/** Each writer toggles its own target member between these two roles, so every mutation changes one map entry. */
const ROLES: readonly OrgRole[] = ['ORG_MEMBER', 'ORG_READ_ONLY'];

/**
 * Starts the Roster server (sync-server/main.ts) in its own process on a fresh data dir, signs up
 * `clients` users, has user 0 create one organization and add everyone as an owner, connects every
 * user to /sync and subscribes it to the org document. Writers are users 0 … writers-1; writer i
 * changes the role of user writers+i, so no writer's mutation is ever refused.
 */
export async function startRoster(shape: LoadShape, serverArgs: string[] = []): Promise<RosterTarget> {
	if (shape.clients < 2 * shape.writers) throw new Error('need a distinct target member per writer');
	const dataDir = makeTempDir('roster-bench-');
	const port = await freePort();
	const args = ['--import', 'tsx'];
	if (process.env.BENCH_CPU_PROF) args.push('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`);
	args.push('sync-server/main.ts', '--port', String(port), '--data-dir', dataDir, '--host', '127.0.0.1', ...serverArgs);
	// Every client signs up from this one address; sign-ups are set-up, not what is measured, so cheap hashes do.
	args.push('--sign-ups-per-hour', String(shape.clients), '--password-cost', '10');
	let child: Child | undefined;
	const clients: Client[] = [];
	const stop = async () => {
		for (const c of clients) c.ws.terminate();
		await child?.stop();
		removeTempDir(dataDir);
	};
	return closedBy(stop, async () => {
		const started = await startChild('roster server', args, {
			ready: /Roster is running at http:\/\/localhost:(\d+)\//,
			timeoutMs: 30_000
		});
		child = started.child;
		const base = `http://127.0.0.1:${started.match[1]}`;
		shape.log(`roster: server pid ${child.pid} at ${base}, data in ${dataDir}`);

		let t = performance.now();
		const died = child.died;
		const accounts = await within(
			mapLimit(range(shape.clients), 4, (i) => signUp(base, `bench${String(i).padStart(3, '0')}`)),
			60_000,
			'signing up',
			died
		);
		shape.log(`roster: signed up ${accounts.length} users in ${((performance.now() - t) / 1000).toFixed(1)} s`);

		t = performance.now();
		let received = 0;
		const url = `ws://127.0.0.1:${started.match[1]}/sync`;
		const sockets = await within(
			mapLimit(accounts, 20, (a) => openSocket(url, { cookie: a.cookie })),
			20_000,
			'connecting',
			died
		);
		accounts.forEach((a, i) => {
			const client: Client = { ...a, ws: sockets[i]!, pending: new Map() };
			client.ws.on('close', (code, reason) => {
				if (code >= 4000) shape.log(`roster: the server closed ${a.username}'s socket: ${code} ${reason.toString()}`);
			});
			client.ws.on('message', (data, isBinary) => {
				received++;
				// Broadcasts (binary) are discarded; only text frames can be verdicts.
				if (isBinary) return;
				const message = JSON.parse(toBuffer(data).toString('utf8')) as { t: string; id?: string; ok?: boolean };
				if (message.t !== 'verdict' || message.id === undefined) return;
				const done = client.pending.get(message.id);
				if (!done) return;
				client.pending.delete(message.id);
				done(message.ok === true);
			});
			clients.push(client);
		});

		const run = randomBytes(4).toString('hex');
		let seq = 0;
		const mutate = (client: Client, mutation: Mutation, done: (ok: boolean, sentAt: number) => void) => {
			const id = `b-${run}-${seq++}`;
			const text = JSON.stringify({ t: 'mutate', id, mutation });
			const sentAt = performance.now();
			client.pending.set(id, (ok) => done(ok, sentAt));
			client.ws.send(text);
		};
		const mutateOk = (client: Client, mutation: Mutation) =>
			new Promise<void>((res, rej) =>
				mutate(client, mutation, (ok) => (ok ? res() : rej(new Error(`setup mutation refused: ${JSON.stringify(mutation)}`))))
			);

		const admin = clients[0]!;
		await within(mutateOk(admin, { type: 'org.create', orgId: ORG_ID, name: 'Bench Org' }), 10_000, 'org.create', died);
		await within(
			Promise.all(
				clients.slice(1).map((c) => mutateOk(admin, { type: 'member.add', orgId: ORG_ID, username: c.username, role: 'ORG_OWNER' }))
			),
			20_000,
			'member.add',
			died
		);
		const docId = orgDocId(ORG_ID);
		const subscribing = Promise.all(
			clients.map((c) => {
				const subscribed = firstMessage(c.ws, (data, isBinary) => {
					if (!isBinary) return undefined;
					try {
						const frame = decodeSyncFrame(data);
						return frame.doc === docId && frame.kind === SYNC_STEP2 ? true : undefined;
					} catch {
						return undefined;
					}
				});
				c.ws.send(step1Frame(docId, new Y.Doc()));
				return subscribed;
			})
		);
		await within(subscribing, 20_000, 'subscribing', died);
		shape.log(
			`roster: ${clients.length} sockets connected, org of ${clients.length} owners, all subscribed in ${((performance.now() - t) / 1000).toFixed(1)} s`
		);

		const targets = clients.slice(shape.writers, 2 * shape.writers).map((c) => c.userId);
		const flips = targets.map(() => 0);
		const serverPid = child.pid;
		return {
			name: 'roster',
			orgId: ORG_ID,
			userId: (i) => clients[i]!.userId,
			url,
			cookie: (i) => accounts[i]!.cookie,
			writers: shape.writers,
			received: () => received,
			serverCpu: () => cpuSecondsOf(serverPid),
			send(w, done) {
				const n = flips[w]!;
				flips[w] = n + 1;
				const role = ROLES[n % ROLES.length]!;
				const mutation: Mutation = { type: 'member.setRole', orgId: ORG_ID, userId: targets[w]!, role };
				mutate(clients[w]!, mutation, (ok, sentAt) => done(sentAt, ok));
			}
		};
	});
}

async function signUp(base: string, username: string): Promise<{ userId: string; username: string; cookie: string }> {
	const res = await fetch(`${base}/api/signup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ username, email: `${username}@example.com`, password: PASSWORD })
	});
	if (res.status !== 201) throw new Error(`signup ${username}: HTTP ${res.status} ${await res.text()}`);
	const body = (await res.json()) as { user: { id: string } };
	const cookie = res.headers
		.getSetCookie()
		.map((c) => c.split(';')[0]!)
		.find((c) => c.startsWith('roster_session='));
	if (!cookie) throw new Error(`signup ${username}: no session cookie`);
	return { userId: body.user.id, username, cookie };
}

function range(n: number): number[] {
	return Array.from({ length: n }, (_, i) => i);
}
