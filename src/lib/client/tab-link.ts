import type { SyncFrame } from '../protocol/frames.ts';
import type { OutboxEntry } from './db.ts';
import type { ServerMessage } from '../protocol/messages.ts';
import { Connection } from './connection.svelte.ts';
import { frameBytes, TabChannel, type TabMessage, type TabPresence } from './tab-channel.ts';
import { TabLeader } from './tab-leader.ts';

export interface LinkHandlers {
	/** A server message, from this tab's socket or forwarded by the leader tab. */
	message(m: ServerMessage): void;
	frame(f: SyncFrame): void;
	/** Was online, is no longer. */
	offline(): void;
	/** Another tab wrote the outbox. */
	outbox(): void;
	/** Another tab could not store an entry (a full disk): this tab, the leader, keeps and sends it. */
	adopt(entry: OutboxEntry): void;
	/** How much longer the last two-factor code holds, as this tab knows (told to a tab that opens) ... */
	stepUpValidForMs(): number;
	/** ... and as the leader told this one. */
	stepUp(validForMs: number): void;
	/** The connection's status changed: this tab's own, or the leader's as it reports it. */
	status(): void;
	/** A follower's presence, for the leader to state if it is the tab looked at last. */
	presence(m: TabPresence): void;
	/** Others' presence as the leader knows it, told to a tab that opens (frames of kind PRESENCE). */
	presenceFrames(): SyncFrame[];
}

/**
 * How one tab reaches the server: all tabs of a user in this browser are one client. The leader
 * (see TabLeader) holds the socket and forwards what it receives, and its status, on the user's
 * channel; the others never open a socket, and ask the leader to send what they must.
 */
export class TabLink {
	readonly connection: Connection;
	private readonly channel: TabChannel;
	private readonly leader: TabLeader;

	constructor(userId: string, handlers: LinkHandlers) {
		this.connection = new Connection({
			message: (m) => {
				handlers.message(m);
				this.channel.post({ t: 'server', message: m });
			},
			frame: (f) => {
				handlers.frame(f);
				this.channel.post({ t: 'frame', frame: frameBytes(f) });
			},
			offline: () => handlers.offline(),
			changed: () => {
				// An outdated page gives up the lead, so a tab that can speak to the server takes it.
				if (this.connection.status === 'outdated') this.leader.stop();
				else this.postStatus();
				handlers.status();
			}
		});
		this.channel = new TabChannel(userId, (m) => this.receive(m, handlers));
		this.leader = new TabLeader(userId, () => this.connection.lead());
	}

	get leading() {
		return this.connection.leading;
	}

	start() {
		this.leader.start();
		if (!this.leading) this.channel.post({ t: 'hello' });
	}

	stop() {
		this.leader.stop();
		this.connection.stop();
		this.channel.close();
	}

	/** Sends through this tab's socket, or asks the leader to. */
	send(frame: Uint8Array) {
		if (this.leading) this.connection.send(frame);
		else this.channel.post({ t: 'send', frame });
	}

	/** An entry this tab could not store: the leader keeps it in memory and sends it (this one, leading, already does). */
	notStored(entry: OutboxEntry) {
		if (!this.leading) this.channel.post({ t: 'not-stored', entry });
	}

	/** Tells the leader tab this one's presence (posted by a follower only: the leader states its own). */
	/** A two-factor code entered in this tab: the other tabs of the session hold it too. */
	shareStepUp(validForMs: number) {
		this.channel.post({ t: 'step-up', validForMs });
	}

	postPresence(m: TabPresence) {
		if (!this.leading) this.channel.post(m);
	}

	/** Tells the other tabs that this one wrote the outbox. */
	outboxWritten() {
		this.channel.post({ t: 'outbox' });
	}

	private postStatus() {
		if (this.leading) this.channel.post({ t: 'status', status: this.connection.status, detail: this.connection.detail });
	}

	private receive(m: TabMessage, handlers: LinkHandlers) {
		switch (m.t) {
			case 'hello':
				this.postStatus();
				if (!this.leading || !this.connection.online) return;
				this.channel.post({ t: 'step-up', validForMs: handlers.stepUpValidForMs() });
				for (const f of handlers.presenceFrames()) this.channel.post({ t: 'frame', frame: frameBytes(f) });
				return;
			case 'presence':
			case 'presence-gone':
				return handlers.presence(m);
			case 'outbox':
				return handlers.outbox();
			case 'not-stored':
				if (this.leading) handlers.adopt(m.entry);
				return;
			case 'signed-out':
				this.stop();
				return this.connection.follow('signed-out', 'You signed out in another tab.');
			case 'send':
				if (this.leading) this.connection.send(frameBytes(m.frame));
				return;
			// What only the leader says: a tab that leads has its own (a late message from a leader that just closed).
			case 'status':
				if (!this.leading && m.status !== 'outdated') this.connection.follow(m.status, m.detail);
				return;
			case 'server':
				if (!this.leading) handlers.message(m.message);
				return;
			// The leader's to a new tab, or any tab's just-entered code: the session's, so every tab's.
			case 'step-up':
				return handlers.stepUp(m.validForMs);
			case 'frame':
				if (!this.leading) handlers.frame(m.frame);
				return;
			default:
				return m satisfies never;
		}
	}
}
