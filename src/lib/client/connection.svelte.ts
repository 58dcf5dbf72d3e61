import type { SyncFrame } from '../protocol/frames.ts';
import { PROTOCOL_VERSION, type ServerMessage } from '../protocol/messages.ts';
import { SyncSocket } from './sync-socket.ts';
import type { ConnectionStatus } from './tab-channel.ts';

export type { ConnectionStatus };

export interface ConnectionHandlers {
	message(m: ServerMessage): void;
	frame(f: SyncFrame): void;
	/** Was online, is no longer: what waited for an answer is queued. */
	offline(): void;
	/** Any change of status or detail. */
	changed(): void;
}

/**
 * The link to the sync server as the page shows it: its status and why. The leader tab holds
 * the socket (lead); the others show the status the leader reports (follow).
 */
export class Connection {
	status = $state<ConnectionStatus>('connecting');
	detail = $state('Connecting…');
	private socket: SyncSocket | undefined;

	constructor(private readonly handlers: ConnectionHandlers) {}

	get online() {
		return this.status === 'online';
	}

	/** Whether this tab holds the socket. */
	get leading() {
		return this.socket !== undefined;
	}

	/** Opens the socket: this tab now holds the connection for all of the user's tabs. */
	lead() {
		const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
		this.socket = new SyncSocket(`${scheme}//${location.host}/sync`, {
			message: (m) => this.handlers.message(m),
			frame: (f) => this.handlers.frame(f),
			status: (status, detail) => this.set(status, detail)
		});
		this.socket.start();
	}

	/** The leader tab's status, shown in this one. */
	follow(status: ConnectionStatus, detail: string) {
		this.set(status, detail);
	}

	stop() {
		this.socket?.stop();
	}

	send(data: string | Uint8Array) {
		return this.socket?.send(data) ?? false;
	}

	connected() {
		this.set('online', 'Connected');
	}

	/**
	 * Whether the server speaks this page's protocol. If not, the socket closes for good (no
	 * reconnect loop, nothing sent): pending changes stay in IndexedDB until a reload.
	 */
	accepts(serverVersion: number): boolean {
		if (serverVersion === PROTOCOL_VERSION) return true;
		// This page no longer leads: another tab (maybe of the new version) takes the connection.
		this.socket?.stop();
		this.socket = undefined;
		this.set('outdated', outdatedMessage(serverVersion));
		return false;
	}

	private set(status: ConnectionStatus, detail: string) {
		// A closing socket reports itself offline; an outdated page stays outdated unless signed out.
		if (this.status === 'outdated' && status !== 'signed-out') return;
		if (this.status === 'online' && status !== 'online') this.handlers.offline();
		this.status = status;
		this.detail = detail;
		this.handlers.changed();
	}
}

export function outdatedMessage(serverVersion: number) {
	const age = serverVersion > PROTOCOL_VERSION ? 'an older' : 'a newer';
	return `This page is from ${age} version of Roster than the server: reload it to continue. Your changes not yet saved are kept.`;
}
