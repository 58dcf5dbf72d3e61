/** What a room needs of a transport; tests can supply an in-memory pair, production wraps `ws`. */
export interface Socket {
	isOpen(): boolean;
	send(data: string | Uint8Array): void;
	close(code: number, reason: string): void;
}

/** One signed-in socket and the documents it is subscribed to. */
export class Connection {
	readonly docs = new Set<string>();
	constructor(
		readonly userId: string,
		readonly socket: Socket,
		/** The session it was opened with: signing out closes it. */
		readonly sessionHash: string
	) {}

	send(data: string | Uint8Array) {
		if (this.socket.isOpen()) this.socket.send(data);
	}
	sendJson(message: object) {
		this.send(JSON.stringify(message));
	}
}
