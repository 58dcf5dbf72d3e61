import type { DocumentStore } from '../storage/documents.ts';
import type { AccessSync, HubWaiter } from './access-sync.ts';
import type { CommitPipeline } from './commit-pipeline.ts';
import type { Connections } from './connections.ts';
import type { Rooms } from './rooms.ts';

/**
 * Follows what other servers on the same store commit: an organization held here is read again
 * at the next commit (CommitPipeline.wake); one not held here is read only when someone connected
 * here just joined it, to send them what they may now read; and every organization held here is
 * read now and then, in case a wake-up was lost. A session another server ended closes its sockets here too.
 */
export class OtherServers {
	private readonly stopWatching: () => void;
	private readonly stopWatchingSessions: () => void;
	private readonly timer: ReturnType<typeof setInterval> | undefined;

	constructor(
		documents: DocumentStore,
		private readonly rooms: Rooms,
		private readonly connections: Connections,
		private readonly pipeline: CommitPipeline<HubWaiter>,
		private readonly access: AccessSync,
		catchUpEveryMs: number | undefined,
		sessionEnded: (sessionHash: string) => void
	) {
		this.stopWatchingSessions = documents.watchSessions(sessionEnded);
		this.stopWatching = documents.watch((orgId, joined) => {
			if (this.rooms.get(orgId)) return this.pipeline.wake(orgId);
			const here = joined === '*' ? [...this.connections.userIds()] : joined.filter((userId) => this.connections.of(userId).size);
			if (here.length) void this.joined(orgId, here).catch((err: unknown) => console.error('access grant failed', err));
		});
		this.timer = catchUpEveryMs
			? setInterval(() => void this.catchUp(documents).catch((err: unknown) => console.error('catching up failed', err)), catchUpEveryMs)
			: undefined;
		this.timer?.unref();
	}

	/** Reads every held organization's head at once, and wakes those another server moved on (a wake-up was lost). */
	private async catchUp(documents: DocumentStore) {
		const heads = await documents.heads(this.rooms.loadedIds());
		for (const [orgId, head] of heads) if (head > (this.rooms.get(orgId)?.seq ?? head)) this.pipeline.wake(orgId);
	}

	/** Users connected here joined an organization on another server: this one reads it (once committed, it holds them) and grants. */
	private async joined(orgId: string, userIds: readonly string[]) {
		const room = await this.rooms.load(orgId);
		if (!room) return;
		await this.pipeline.catchUp(orgId);
		for (const userId of userIds) this.access.grantAll(room, userId);
	}

	close() {
		this.stopWatching();
		this.stopWatchingSessions();
		clearInterval(this.timer);
	}
}
