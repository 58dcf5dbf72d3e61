import { afterEach, describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import { orgDocId } from '$lib/protocol/messages.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';
import { Follower } from './stock-follower.ts';

/** Three sockets a user, 64 KiB left unread at most, bytes enough for a flood; few frames for the budget test's own server. */
const t = serverForEachTest(() => ({
	limits: { socketsPerUser: 3, maxBufferedBytes: 64 * 1024, bytesPerSecond: 512 * 1024 * 1024, byteBurst: 512 * 1024 * 1024 }
}));
const few = serverForEachTest(() => ({ limits: { framesPerSecond: 2, frameBurst: 4, waitingFrames: 3 } }));

const open: WebSocket[] = [];
const followers: Follower[] = [];
afterEach(() => {
	for (const ws of open.splice(0)) ws.terminate();
	for (const f of followers.splice(0)) f.destroy();
});

function raw(path: string, headers: Record<string, string>) {
	const ws = new WebSocket(`ws://127.0.0.1:${t.server.port}${path}`, { headers });
	open.push(ws);
	const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
	ws.on('error', () => {});
	return { ws, closed };
}

describe('/yjs/ within the limits of /sync', () => {
	it('sockets upgraded at once cannot pass the per-user limit while the document is read', async () => {
		const { alice } = await orgWith(t, {});
		// A store round-trip while the document is read (PostgreSQL, or an organization not in memory after a restart).
		const hub = t.server.hub;
		const read = hub.readableDoc.bind(hub);
		hub.readableDoc = async (userId, docId) => {
			await new Promise((r) => setTimeout(r, 20));
			return read(userId, docId);
		};
		const sockets = Array.from({ length: 20 }, () => raw('/yjs/org:acme', { cookie: alice.cookie }));
		const codes = await Promise.all(sockets.slice(2).map((s) => s.closed));
		// alice's own /sync socket is one of her three.
		expect(sockets.filter((s) => s.ws.readyState === WebSocket.OPEN)).toHaveLength(2);
		expect(new Set(codes)).toEqual(new Set([4529]));
	});

	it("a client's awareness is answered with a few bytes, never echoed: a flood it does not read buffers nothing large", async () => {
		const { alice } = await orgWith(t, {});
		const { ws } = raw('/yjs/org:acme', { cookie: alice.cookie });
		await new Promise((r) => ws.once('open', r));
		const socket = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
		socket.pause();
		const e = encoding.createEncoder();
		encoding.writeVarUint(e, 1);
		encoding.writeVarUint8Array(e, new Uint8Array(1_000_000).fill(7));
		for (let i = 0; i < 64; i++) ws.send(encoding.toUint8Array(e));
		let received = 0;
		ws.on('message', (d: Buffer) => (received += d.byteLength));
		// A frame sent after the flood is answered after it: once its answer arrives, every answer has.
		await new Promise((r) => setTimeout(r, 500));
		socket.resume();
		ws.send(new Uint8Array([7]));
		await new Promise<void>((resolve) => ws.on('message', (d: Buffer) => d[0] === 2 && resolve()));
		expect(received).toBeLessThan(64 * 1024);
	});

	it('a burst over the frame budget closes with 4529, after which a stock provider comes back', async () => {
		const { alice } = await orgWith(few, {});
		const f = new Follower(few, orgDocId('acme'), { cookie: alice.cookie });
		followers.push(f);
		await f.synced();
		for (let i = 0; i < 12; i++) f.doc.getMap('scratch').set(`k${i}`, i);
		await f.until(() => f.closes.length > 0);
		expect(f.closes[0]!.code).toBe(4529);
		f.provider.synced = false;
		await f.synced();
		expect(f.provider.shouldConnect).toBe(true);
	});
});
