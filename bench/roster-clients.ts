import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import type WebSocket from 'ws';
import type { Mutation } from '../src/lib/domain/index.ts';
import { toBuffer } from './clients.ts';

/** One signed-in socket: its verdict callbacks by mutation id. */
export interface Client {
	userId: string;
	username: string;
	cookie: string;
	ws: WebSocket;
	pending: Map<string, (ok: boolean) => void>;
}

const PASSWORD = 'bench-password-1';

export async function signUp(base: string, username: string): Promise<{ userId: string; username: string; cookie: string }> {
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

/** Routes the verdicts arriving on a client's socket to their callbacks, and counts every message received. */
export function listen(client: Client, count: () => void, log: (line: string) => void) {
	client.ws.on('close', (code, reason) => {
		if (code >= 4000) log(`roster: the server closed ${client.username}'s socket: ${code} ${reason.toString()}`);
	});
	client.ws.on('message', (data, isBinary) => {
		count();
		// Broadcasts (binary) are not verdicts; only text frames can be.
		if (isBinary) return;
		const message = JSON.parse(toBuffer(data).toString('utf8')) as { t: string; id?: string; ok?: boolean };
		if (message.t !== 'verdict' || message.id === undefined) return;
		const done = client.pending.get(message.id);
		if (!done) return;
		client.pending.delete(message.id);
		done(message.ok === true);
	});
}

/** Sends mutations with ids unique to this run. */
export function mutator() {
	const run = randomBytes(4).toString('hex');
	let seq = 0;
	/** Sends `mutation`; `verdict` is called with its verdict. Returns when it was handed to the socket. */
	const mutate = (client: Client, mutation: Mutation, verdict: (ok: boolean) => void): number => {
		const id = `b-${run}-${seq++}`;
		const text = JSON.stringify({ t: 'mutate', id, mutation });
		client.pending.set(id, verdict);
		const sentAt = performance.now();
		client.ws.send(text);
		return sentAt;
	};
	const mutateOk = (client: Client, mutation: Mutation) =>
		new Promise<void>((res, rej) =>
			mutate(client, mutation, (ok) => (ok ? res() : rej(new Error(`setup mutation refused: ${JSON.stringify(mutation)}`))))
		);
	return { mutate, mutateOk };
}
