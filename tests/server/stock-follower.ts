import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as authProtocol from 'y-protocols/auth';
import * as Y from 'yjs';
import type { TestServer } from './test-client.ts';

/**
 * A stock y-websocket provider (from npm, as a dashboard would use it) following one document at
 * /yjs/, sending `headers` (a cookie, or `authorization: Bearer …`) with each connection.
 */
export class Follower {
	readonly doc = new Y.Doc();
	readonly provider: WebsocketProvider;
	/** Every close the server gave it, in order. */
	readonly closes: { code: number; reason: string }[] = [];
	/** The reasons of every permission-denied message it was sent, in order. */
	readonly denied: string[] = [];
	private readonly listeners = new Set<() => void>();

	constructor(t: TestServer, docId: string, headers: Record<string, string>) {
		class WithHeaders extends WebSocket {
			constructor(url: string, protocols?: string | string[]) {
				super(url, protocols, { headers });
			}
		}
		this.provider = new WebsocketProvider(`ws://127.0.0.1:${t.server.port}/yjs`, docId, this.doc, {
			WebSocketPolyfill: WithHeaders as unknown as typeof globalThis.WebSocket,
			// Followers in one test process would otherwise sync with each other over a BroadcastChannel.
			disableBc: true
		});
		// Its own handler only logs the reason: kept here for the test to read.
		this.provider.messageHandlers[2] = (_encoder, decoder) =>
			authProtocol.readAuthMessage(decoder, this.doc, (_doc, reason) => {
				this.denied.push(reason);
				this.changed();
			});
		this.provider.on('connection-close', (event) => {
			if (event) this.closes.push({ code: event.code, reason: event.reason });
			this.changed();
		});
		this.provider.on('sync', () => this.changed());
		this.provider.awareness.on('change', () => this.changed());
		this.doc.on('update', () => this.changed());
	}

	/** Resolves once the condition holds, checked again after each thing it hears. */
	until(condition: () => boolean): Promise<void> {
		return new Promise((resolve) => {
			const check = () => {
				if (!condition()) return;
				this.listeners.delete(check);
				resolve();
			};
			this.listeners.add(check);
			check();
		});
	}

	synced(): Promise<void> {
		return this.until(() => this.provider.synced);
	}

	/** The states of Roster users present on its document, as its awareness holds them (its own left out). */
	present(): unknown[] {
		const own = this.doc.clientID;
		return [...this.provider.awareness.getStates()].flatMap(([id, state]) => (id === own ? [] : [state]));
	}

	/** Sends bytes on its open socket, as it is. */
	sendRaw(bytes: Uint8Array) {
		this.provider.ws!.send(bytes);
	}

	/** Stops it for good (a stock provider reconnects on its own otherwise). */
	destroy() {
		this.provider.shouldConnect = false;
		this.provider.destroy();
		this.doc.destroy();
	}

	private changed() {
		for (const l of [...this.listeners]) l();
	}
}
