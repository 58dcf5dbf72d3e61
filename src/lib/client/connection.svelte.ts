import type { SyncFrame } from '../protocol/frames.ts';
import { PROTOCOL_VERSION, type ServerMessage } from '../protocol/messages.ts';
import { SyncSocket, type SyncStatus } from './sync-socket.ts';

/** The socket's states, and `outdated`: the server speaks another protocol version, so this page stops until reloaded. */
export type ConnectionStatus = SyncStatus | 'outdated';

/** The link to the sync server as the page shows it: its status and why. */
export class Connection {
	status = $state<ConnectionStatus>('connecting');
	detail = $state('Connecting…');
	private readonly socket: SyncSocket;

	constructor(handlers: { message(m: ServerMessage): void; frame(f: SyncFrame): void; offline(): void }) {
		const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
		this.socket = new SyncSocket(`${scheme}//${location.host}/sync`, {
			...handlers,
			status: (status, detail) => {
				// A closing socket reports itself offline; an outdated page stays outdated.
				if (this.status === 'outdated') return;
				if (this.status === 'online' && status !== 'online') handlers.offline();
				this.status = status;
				this.detail = detail;
			}
		});
	}

	get online() {
		return this.status === 'online';
	}

	start() {
		this.socket.start();
	}

	stop() {
		this.socket.stop();
	}

	send(data: string | Uint8Array) {
		return this.socket.send(data);
	}

	connected() {
		this.status = 'online';
		this.detail = 'Connected';
	}

	/**
	 * Whether the server speaks this page's protocol. If not, the socket closes for good (no
	 * reconnect loop, nothing sent): pending changes stay in IndexedDB until a reload.
	 */
	accepts(serverVersion: number): boolean {
		if (serverVersion === PROTOCOL_VERSION) return true;
		this.socket.stop();
		this.status = 'outdated';
		this.detail = outdatedMessage(serverVersion);
		return false;
	}
}

export function outdatedMessage(serverVersion: number) {
	const age = serverVersion > PROTOCOL_VERSION ? 'an older' : 'a newer';
	return `This page is from ${age} version of Roster than the server: reload it to continue. Your changes not yet saved are kept.`;
}
