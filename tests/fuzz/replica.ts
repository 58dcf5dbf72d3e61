import * as Y from 'yjs';
import { orgMaps } from '$lib/domain/index.ts';
import { decodeSyncFrame } from '$lib/protocol/frames.ts';
import type { ServerMessage } from '$lib/protocol/messages.ts';
import type { TestClient } from '../server/test-client.ts';

/**
 * A TestClient that behaves like the real client on `revoked`: it drops the document.
 * A document it is sent again afterwards must arrive whole (the user was added back),
 * never as a stray incremental update; anything else is noted in `problems`.
 */
export class Replica {
	readonly problems: string[] = [];
	/** Revocations received, and documents sent whole again afterwards (the user was added back). */
	revocations = 0;
	rejoins = 0;
	private readonly revoked = new Set<string>();

	constructor(
		readonly client: TestClient,
		readonly userId: string,
		readonly name: string,
		/** Which server instance it is connected to. */
		readonly instance = 0
	) {
		// Registered after TestClient's own listener, so it sees each frame once that one has applied it.
		client.ws.on('message', (data, isBinary) => {
			const bytes = new Uint8Array(Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]));
			if (isBinary) return this.onFrame(bytes);
			const message = JSON.parse(Buffer.from(bytes).toString('utf8')) as ServerMessage;
			if (message.t === 'revoked') {
				client.docs.get(message.doc)?.destroy();
				client.docs.delete(message.doc);
				this.revoked.add(message.doc);
				this.revocations++;
			}
		});
	}

	private onFrame(bytes: Uint8Array) {
		const frame = decodeSyncFrame(bytes);
		// Organization documents are the model's; billing ones (empty here) have tests of their own.
		if (!this.revoked.delete(frame.doc) || !frame.doc.startsWith('org:')) return;
		const alone = new Y.Doc();
		Y.applyUpdate(alone, frame.payload);
		const { meta, members } = orgMaps(alone);
		this.rejoins++;
		if (!meta.get('org') || !members.has(this.userId)) {
			this.problems.push(`${this.name}: after "revoked" got a frame (kind ${frame.kind}) for ${frame.doc} that is not the whole document`);
		}
	}

	get open() {
		return this.client.ws.readyState === this.client.ws.OPEN;
	}
}
