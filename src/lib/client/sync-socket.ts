import { decodeSyncFrame, type SyncFrame } from '../protocol/frames.ts';
import { CLOSE, ServerMessage } from '../protocol/messages.ts';

export type SyncStatus = 'connecting' | 'online' | 'offline' | 'signed-out';

export interface SyncHandlers {
	message(message: ServerMessage): void;
	frame(frame: SyncFrame): void;
	status(status: SyncStatus, detail: string): void;
}

/**
 * The websocket to /sync, reconnecting with backoff. It closes itself on the window's
 * offline event (browsers notice a dead link slowly) and reconnects on online.
 */
export class SyncSocket {
	private ws: WebSocket | undefined;
	private retryMs = 500;
	private timer: ReturnType<typeof setTimeout> | undefined;
	private stopped = false;

	constructor(
		private readonly url: string,
		private readonly handlers: SyncHandlers
	) {}

	start() {
		window.addEventListener('online', this.onOnline);
		window.addEventListener('offline', this.onOffline);
		if (navigator.onLine) this.connect();
		else this.handlers.status('offline', 'This browser is offline.');
	}

	stop() {
		this.stopped = true;
		clearTimeout(this.timer);
		window.removeEventListener('online', this.onOnline);
		window.removeEventListener('offline', this.onOffline);
		this.ws?.close();
	}

	send(data: string | Uint8Array): boolean {
		if (this.ws?.readyState !== WebSocket.OPEN) return false;
		this.ws.send(data);
		return true;
	}

	private onOnline = () => {
		this.retryMs = 500;
		this.connect();
	};

	private onOffline = () => {
		clearTimeout(this.timer);
		this.ws?.close();
		this.handlers.status('offline', 'This browser is offline.');
	};

	private connect() {
		if (this.stopped || (this.ws && this.ws.readyState <= WebSocket.OPEN)) return;
		clearTimeout(this.timer);
		this.handlers.status('connecting', 'Connecting…');
		const ws = new WebSocket(this.url);
		ws.binaryType = 'arraybuffer';
		this.ws = ws;
		ws.onopen = () => (this.retryMs = 500);
		ws.onmessage = (event: MessageEvent<string | ArrayBuffer>) => {
			if (typeof event.data === 'string') {
				const parsed = ServerMessage.safeParse(JSON.parse(event.data));
				if (parsed.success) this.handlers.message(parsed.data);
				else console.warn('Unknown message from server', event.data);
			} else {
				this.handlers.frame(decodeSyncFrame(new Uint8Array(event.data)));
			}
		};
		ws.onclose = (event) => {
			if (this.ws !== ws) return;
			this.ws = undefined;
			if (event.code === CLOSE.unauthenticated.code) {
				this.stopped = true;
				const deleted = event.reason === CLOSE.accountDeleted.reason;
				return this.handlers.status(
					'signed-out',
					deleted
						? 'This account was deleted by the primary admin of the organization that managed it. Ask them if you need a new one.'
						: 'Your session has ended. Sign in again to continue.'
				);
			}
			const reason = event.code === CLOSE.tooLarge.code ? CLOSE.tooLarge.reason : event.reason;
			this.handlers.status('offline', reason || 'Connection lost; retrying.');
			if (!this.stopped && navigator.onLine) {
				this.timer = setTimeout(() => this.connect(), this.retryMs);
				this.retryMs = Math.min(this.retryMs * 2, 10_000);
			}
		};
	}
}
