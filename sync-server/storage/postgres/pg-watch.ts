import pg from 'pg';
import { describeUrl } from './pool.ts';

export const CHANNEL = 'roster_commits';
/** Sessions another server ended (signed out, password changed, user deleted): payload the instance id and the session's hash. */
export const SESSIONS_CHANNEL = 'roster_sessions';
/** Presence updates (sync/presence.ts): payload the instance id, the document id and the awareness update in base64. */
export const PRESENCE_CHANNEL = 'roster_presence';
/** PostgreSQL's payload limit is 8000 bytes; a larger presence update (never one entry of ours) is not shared. */
const PRESENCE_MAX_CHARS = 7900;

export function presencePayload(instanceId: string, docId: string, update: Uint8Array): string | undefined {
	const payload = `${instanceId} ${docId} ${Buffer.from(update).toString('base64')}`;
	return payload.length > PRESENCE_MAX_CHARS ? undefined : payload;
}

/** A notification's payload is at most 8000 bytes: past this many joined users, '*' says "some" (each server then reads the organization). */
const JOINED_MAX_CHARS = 7000;

/** Who joined, as the notification's last part: comma-separated ids, or '*' when too many to list. */
export function joinedPayload(userIds: readonly string[]): string {
	const list = userIds.join(',');
	return list.length > JOINED_MAX_CHARS ? '*' : list;
}

/** Listened to with the organization committed to and who joined it ('*': too many to list, so possibly anyone). */
export type CommitListener = (orgId: string, joined: readonly string[] | '*') => void;

const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 5_000;

/**
 * The wake-up from other servers: one connection of its own LISTENing on the commits channel
 * (payload: the committing server's instance id, the organization, who joined it; space-separated), opened while
 * anyone listens. A lost connection is opened again after a short, growing pause; what was
 * committed meanwhile is read by the server's periodic catch-up, so nothing is replayed.
 */
export class CommitWatcher {
	private readonly listeners = new Set<CommitListener>();
	private readonly sessionListeners = new Set<(sessionHash: string) => void>();
	private readonly presenceListeners = new Set<(docId: string, update: Uint8Array) => void>();
	private client: pg.Client | undefined;
	private retry: NodeJS.Timeout | undefined;
	private pause = FIRST_RETRY_MS;
	private closed = false;

	constructor(
		private readonly url: string,
		private readonly instanceId: string
	) {}

	watch(listener: CommitListener): () => void {
		return this.add(this.listeners, listener);
	}

	watchSessions(listener: (sessionHash: string) => void): () => void {
		return this.add(this.sessionListeners, listener);
	}

	watchPresence(listener: (docId: string, update: Uint8Array) => void): () => void {
		return this.add(this.presenceListeners, listener);
	}

	private add<L>(set: Set<L>, listener: L): () => void {
		set.add(listener);
		if (!this.client && !this.retry) this.connect();
		return () => {
			set.delete(listener);
			if (!this.listening()) this.disconnect();
		};
	}

	private listening(): boolean {
		return this.listeners.size + this.sessionListeners.size + this.presenceListeners.size > 0;
	}

	/** Resolves once the connection LISTENs (at once when there is no one to wake): what a test awaits before it commits. */
	ready: Promise<void> = Promise.resolve();

	private connect(): void {
		const client = new pg.Client({ connectionString: this.url });
		this.client = client;
		const lost = (err?: Error) => {
			if (this.client !== client) return;
			this.client = undefined;
			client.removeAllListeners('notification');
			void client.end().catch(() => undefined);
			if (this.closed || !this.listening()) return;
			console.error(
				`PostgreSQL at ${describeUrl(this.url)}: the commit wake-up connection failed (${err?.message ?? 'closed'}); reconnecting.`
			);
			this.retry = setTimeout(() => {
				this.retry = undefined;
				this.connect();
			}, this.pause);
			this.pause = Math.min(this.pause * 2, LAST_RETRY_MS);
		};
		client.on('error', lost);
		client.on('end', () => lost());
		client.on('notification', (n) => {
			const [instanceId, orgId, joined = ''] = (n.payload ?? '').split(' ');
			if (!orgId || instanceId === this.instanceId) return;
			// On the presence channel, the second part is a document id and the third its update.
			if (n.channel === PRESENCE_CHANNEL) {
				const update = new Uint8Array(Buffer.from(joined, 'base64'));
				for (const listener of this.presenceListeners) listener(orgId, update);
				return;
			}
			if (n.channel === SESSIONS_CHANNEL) {
				for (const listener of this.sessionListeners) listener(orgId);
				return;
			}
			const who = joined === '*' ? '*' : joined.split(',').filter(Boolean);
			for (const listener of this.listeners) listener(orgId, who);
		});
		this.ready = client
			.connect()
			.then(() => client.query(`listen ${CHANNEL}; listen ${SESSIONS_CHANNEL}; listen ${PRESENCE_CHANNEL}`))
			.then(() => {
				this.pause = FIRST_RETRY_MS;
			})
			.catch((err: Error) => lost(err));
	}

	private disconnect() {
		clearTimeout(this.retry);
		this.retry = undefined;
		const client = this.client;
		this.client = undefined;
		void client?.end().catch(() => undefined);
	}

	close() {
		this.closed = true;
		this.listeners.clear();
		this.sessionListeners.clear();
		this.presenceListeners.clear();
		this.disconnect();
	}
}
