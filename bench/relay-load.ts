import { performance } from 'node:perf_hooks';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { firstMessage, mapLimit, openSocket, toBuffer, within } from './clients.ts';
import type { LoadTarget } from './harness.ts';
import { closedBy, cpuSecondsOf, freePort, startChild, type Child } from './proc.ts';
import type { LoadShape } from './roster-load.ts';

/** y-websocket message types (the first varUint of every frame). */
const MESSAGE_SYNC = 0;
const ROOM = 'bench-room';
const RELAY_BIN = 'node_modules/@y/websocket-server/src/server.js';

function syncMessage(write: (e: encoding.Encoder) => void): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, MESSAGE_SYNC);
	write(e);
	return encoding.toUint8Array(e);
}

/**
 * The baseline: `@y/websocket-server` (an unvalidated, in-memory relay) in its own process,
 * `clients` sockets in one room. Clients 0 … writers-1 each hold a Y.Doc and send one Y.Map set per
 * change as a y-websocket sync update; the last client to connect is the observer, which decodes and
 * applies every update it receives and measures writer send → observer sees the value; the rest only
 * complete the handshake (sync step 1 → step 2) and then discard what they receive.
 */
export async function startRelay(shape: LoadShape): Promise<LoadTarget> {
	const port = await freePort();
	let child: Child | undefined;
	const sockets: WebSocket[] = [];
	const stop = async () => {
		for (const ws of sockets) ws.terminate();
		await child?.stop();
	};
	return closedBy(stop, async () => {
		const started = await startChild('relay server', [RELAY_BIN], {
			// No YPERSISTENCE (it would load y-leveldb) and no callback: a pure in-memory relay.
			env: { HOST: '127.0.0.1', PORT: String(port), YPERSISTENCE: undefined, CALLBACK_URL: undefined },
			ready: /running at/
		});
		child = started.child;
		shape.log(`relay: server pid ${child.pid} at ws://127.0.0.1:${port}/${ROOM}`);

		const t = performance.now();
		const url = `ws://127.0.0.1:${port}/${ROOM}`;
		const others = mapLimit(Array.from({ length: shape.clients - 1 }), 20, () => openSocket(url));
		sockets.push(...(await within(others, 20_000, 'connecting', child.died)));
		// The observer connects last, so the relay (which fans out in connection order) reaches it last:
		// like Roster's verdict, which is sent after the broadcast to every subscriber.
		const observer = await openSocket(url);
		sockets.push(observer);
		let received = 0;
		for (const ws of sockets) ws.on('message', () => received++);

		// The observer: a real Yjs client that applies every update and reports the tags it sees.
		const pending = new Map<string, (at: number) => void>();
		const observerDoc = new Y.Doc();
		const observed = observerDoc.getMap<string>('m');
		observed.observe((event) => {
			for (const key of event.keysChanged) {
				const tag = observed.get(key);
				const done = tag === undefined ? undefined : pending.get(tag);
				if (!done || tag === undefined) continue;
				pending.delete(tag);
				done(performance.now());
			}
		});
		observer.on('message', (data) => {
			const decoder = decoding.createDecoder(toBuffer(data));
			if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return;
			syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), observerDoc, 'relay');
		});

		// Handshake: every client sends sync step 1 (an empty state vector) and waits for step 2.
		const handshakes = Promise.all(
			sockets.map((ws) => {
				const answered = firstMessage(ws, (data) =>
					data[0] === MESSAGE_SYNC && data[1] === syncProtocol.messageYjsSyncStep2 ? true : undefined
				);
				ws.send(syncMessage((e) => syncProtocol.writeSyncStep1(e, new Y.Doc())));
				return answered;
			})
		);
		await within(handshakes, 20_000, 'sync handshake', child.died);
		shape.log(`relay: ${sockets.length} sockets connected and synced in ${((performance.now() - t) / 1000).toFixed(1)} s`);

		const writers = sockets.slice(0, shape.writers).map((ws, i) => {
			const doc = new Y.Doc();
			let last: Uint8Array | undefined;
			doc.on('update', (update: Uint8Array) => (last = update));
			return { ws, map: doc.getMap<string>('m'), key: `w${i}`, take: () => last! };
		});
		let seq = 0;
		const serverPid = child.pid;
		return {
			name: 'relay',
			writers: shape.writers,
			measures: ['observer'],
			send(w, done) {
				const writer = writers[w]!;
				const tag = `t${seq++}`;
				writer.map.set(writer.key, tag);
				const message = syncMessage((e) => syncProtocol.writeUpdate(e, writer.take()));
				const sentAt = performance.now();
				pending.set(tag, (at) => done(sentAt, true, { observer: at }));
				writer.ws.send(message);
			},
			received: () => received,
			serverCpu: () => cpuSecondsOf(serverPid)
		};
	});
}
