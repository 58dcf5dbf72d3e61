import type { Socket as NetSocket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { step1Frame } from '$lib/protocol/frames.ts';
import { CLOSE, orgDocId } from '$lib/protocol/messages.ts';
import type { Socket } from '../../sync-server/socket.ts';
import { TestServer, signUp } from './test-client.ts';

const ORG = 'big';
const DOC = orgDocId(ORG);
const MiB = 1024 * 1024;
/** Bytes the server may leave unsent to one connection; the byte budget is set far above it so that only this bound acts. */
const LIMITS = { maxBufferedBytes: MiB, bytesPerSecond: 1024 * MiB, byteBurst: 1024 * MiB };
const ASKS = 200;

let t: TestServer;
let ws: WebSocket | undefined;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Buffers the process holds after a collection: what unsent data to a socket that is not read piles up as. */
async function buffers() {
	gc();
	// V8 frees the collected buffers' memory on a background sweep: a second collection a turn later waits for it.
	await new Promise((resolve) => setImmediate(resolve));
	gc();
	return process.memoryUsage().arrayBuffers;
}

describe('a client that never reads', () => {
	beforeEach(async () => {
		t = await new TestServer({ limits: LIMITS }).start();
	});
	afterEach(async () => {
		ws?.terminate();
		await t.stop();
	});

	it('is closed with 4408 once its unsent data passes the bound, and the server’s memory stays flat', async () => {
		const alice = await t.user('alice');
		expect(await alice.client.mutate({ type: 'org.create', orgId: ORG, name: 'Big' })).toMatchObject({ ok: true });
		// A large organization: a few hundred kilobytes of document.
		const teams = Array.from({ length: 3000 }, (_, i) => ({
			kind: 'team.put' as const,
			team: { id: `team-${i}`, name: `Team ${i} ${'x'.repeat(40)}`, createdAt: 0 }
		}));
		await t.server.hub.applyServerChanges(ORG, teams);
		const docBytes = Y.encodeStateAsUpdate((await t.server.hub.orgState(ORG))!.doc).byteLength;
		expect(docBytes).toBeGreaterThan(200_000);

		// The server's side of the next connection, to watch what it leaves unsent.
		let serverSide: Socket | undefined;
		let serverTcp: NetSocket | undefined;
		t.server.http.once('upgrade', (_req, socket: NetSocket) => (serverTcp = socket));
		// What it leaves unsent, looked at after each send; done when it closes the socket or piles up far past the bound.
		let peakBuffered = 0;
		let done!: () => void;
		const watched = new Promise<void>((res) => (done = res));
		// The frames the server has read, each handled after the one before it: the last one's handling ends the flood.
		let handled: Promise<void> = Promise.resolve();
		const receive = t.server.hub.receive.bind(t.server.hub);
		t.server.hub.receive = (conn, data) => (handled = receive(conn, data));
		const attach = t.server.hub.attach.bind(t.server.hub);
		t.server.hub.attach = (socket, user, hash) => {
			serverSide = socket;
			const send = socket.send.bind(socket);
			const close = socket.close.bind(socket);
			socket.send = (data) => {
				send(data);
				peakBuffered = Math.max(peakBuffered, serverTcp?.writableLength ?? 0); // the welcome goes before the upgrade listener below learns the socket
				// Today's code answers all of them: well past the bound, so stop looking.
				if (peakBuffered > ASKS * docBytes * 0.5) done();
			};
			socket.close = (code, reason) => {
				close(code, reason);
				done();
			};
			return attach(socket, user, hash);
		};
		const { cookie } = await signUp(t.base, 'mallory');
		expect(await alice.client.mutate({ type: 'member.add', orgId: ORG, username: 'mallory', role: 'ORG_MEMBER' })).toMatchObject({
			ok: true
		});

		const client = (ws = new WebSocket(`ws://127.0.0.1:${t.server.port}/sync`, { headers: { cookie } }));
		const closed = new Promise<number>((res) => client.on('close', (code) => res(code)));
		await new Promise((res) => client.once('message', res));
		// Stop reading, then keep asking for the whole document.
		const raw = (client as unknown as { _socket: NetSocket })._socket;
		raw.pause();
		const before = await buffers();
		for (let i = 0; i < ASKS; i++) client.send(step1Frame(DOC, new Y.Doc()));

		await watched;
		// At most one answer beyond the bound: the check comes before each send.
		expect(peakBuffered).toBeLessThanOrEqual(LIMITS.maxBufferedBytes + docBytes + 1024);
		expect(serverSide!.isOpen()).toBe(false);
		// Flat next to what unbounded sending piles up (about 55 MB here), once the frames it read are handled
		// (answers being made for them are garbage, not held); the margin covers the rest of the process.
		await handled;
		expect((await buffers()) - before).toBeLessThan(16 * MiB);

		// Once it reads again it gets what was sent before, then the reason.
		raw.resume();
		expect(await closed).toBe(CLOSE.slowReader.code);
		// Everyone else is served as before.
		expect(await alice.client.mutate({ type: 'org.rename', orgId: ORG, name: 'Bigger' })).toMatchObject({ ok: true });
	}, 30_000);
});
