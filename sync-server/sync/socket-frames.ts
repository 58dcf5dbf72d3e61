import { serverOnlyRefusal, STEP_UP_TTL_MS, publicProfile, type UserProfile } from '$lib/domain/index.ts';
import { decodeSyncFrame, PRESENCE, SYNC_STEP1, type SyncFrame } from '$lib/protocol/frames.ts';
import { PROTOCOL_VERSION, parseDocId } from '$lib/protocol/messages.ts';
import type { Connection, Credential, Socket } from '../socket.ts';
import type { AccountStore, SessionRow } from '../storage/accounts.ts';
import type { DocumentStore } from '../storage/documents.ts';
import { storeUnavailable } from '../storage/unavailable.ts';
import type { HubWaiter } from './access-sync.ts';
import { parseClientText, socketWaiter, verdictMessage } from './client-text.ts';
import type { CommitPipeline } from './commit-pipeline.ts';
import type { Connections } from './connections.ts';
import type { Presence } from './presence.ts';
import type { Rooms } from './rooms.ts';
import type { SessionLimits } from './session-limits.ts';
import { answerSyncStep1, frameError, type SyncStepDeps } from './sync-step.ts';

export interface FrameDeps {
	accounts: AccountStore;
	documents: DocumentStore;
	connections: Connections;
	rooms: Rooms;
	sessions: SessionLimits;
	pipeline: CommitPipeline<HubWaiter>;
	presence: Presence;
	/** See HubOptions.sessionLive. */
	sessionLive: (sessionHash: string) => Promise<SessionRow | boolean | undefined>;
	now: () => number;
}

/** When a session last entered a two-factor code (rules §4 step-up). */
export async function steppedUpAt(accounts: AccountStore, sessionHash: string | undefined): Promise<number | undefined> {
	return (sessionHash && (await accounts.session(sessionHash))?.stepped_up_at) || undefined;
}

/**
 * The hub's socket side (hub.ts): a signed-in socket's welcome, then its frames one after another,
 * each while its session holds; a sync step is answered, a mutation goes to the commit pipeline.
 */
export class SocketFrames {
	/** Connections closed because a commit of theirs failed: nothing more they sent is checked (they send it all again). */
	private readonly abandoned = new WeakSet<Connection>();
	private readonly syncDeps: SyncStepDeps;

	constructor(private readonly deps: FrameDeps) {
		this.syncDeps = {
			rooms: deps.rooms,
			enterOrg: (hash, userId, orgId) => deps.sessions.enterOrg(hash, userId, orgId),
			quiet: () => deps.pipeline.quiet(),
			greet: (conn, docId) => deps.presence.greet(conn, docId)
		};
	}

	/** Takes a signed-in socket; its welcome goes out first, before anything it sends is handled. */
	attach(socket: Socket, user: UserProfile, sessionHash: string, credential?: Credential): Connection {
		const conn = this.deps.connections.open(socket, user.id, sessionHash, credential);
		if (socket.follows === undefined) void conn.queue(() => this.welcome(conn, user));
		return conn;
	}

	detach(conn: Connection) {
		this.deps.connections.close(conn, (docId) => this.docRoom(docId));
	}

	/** Handles one frame from a connection, after the ones before it; resolves once handled. */
	receive(conn: Connection, data: string | Uint8Array): Promise<void> {
		return this.whileLive(conn, (session) =>
			typeof data === 'string' ? this.receiveText(conn, data, session) : this.receiveBinary(conn, data)
		);
	}

	/**
	 * Runs work for a connection after the frames before it, once what opened it (a session, or
	 * another credential) is found to hold still; a socket whose session or credential ended is closed instead.
	 */
	whileLive(conn: Connection, work: (session: SessionRow | true) => unknown): Promise<void> {
		return conn.queue(() => this.live(conn, work).catch((err: unknown) => this.storeFailed(conn, err)));
	}

	/** Checks a user's connections opened with a credential (its secret was revoked, its account deleted): those it no longer opens close. */
	recheck(userId: string) {
		for (const conn of this.deps.connections.of(userId)) if (conn.credential) void this.whileLive(conn, () => {});
	}

	/** The store could not be reached while a frame was handled: the client is told to try again (what it sent is kept pending); anything else is a server error. */
	private storeFailed(conn: Connection, err: unknown) {
		if (!storeUnavailable(err)) throw err;
		console.error('The store could not be reached; the socket is closed for its client to try again.', err);
		socketWaiter(conn, '', this.abandoned).fail();
	}

	private async live(conn: Connection, work: (session: SessionRow | true) => unknown): Promise<void> {
		// Closed after a failed commit: what it had sent is sent again, in order, on its next socket.
		if (this.abandoned.has(conn)) return;
		// A session (or a secret) that expired or was ended while the socket stayed open stops here.
		const session = conn.credential ? (await conn.credential.holds()) || undefined : await this.deps.sessionLive(conn.sessionHash);
		if (!session) return conn.closeEnded();
		await work(session);
	}

	private async receiveBinary(conn: Connection, data: Uint8Array) {
		let frame: SyncFrame;
		try {
			frame = decodeSyncFrame(data);
		} catch {
			return frameError(conn, 'INVALID_FRAME', 'A binary frame could not be read.');
		}
		if (frame.kind === SYNC_STEP1) return answerSyncStep1(this.syncDeps, conn, frame);
		if (frame.kind === PRESENCE) return this.presence(conn, frame);
		frameError(conn, 'RAW_UPDATE_REFUSED', 'Documents are written by the server only; send a mutation instead. The update was ignored.');
	}

	/** A presence update (presence.ts); it does not count as activity for the organization's idle timeout, but is held to it. */
	private async presence(conn: Connection, { doc, payload }: SyncFrame) {
		const orgId = conn.docs.has(doc) ? parseDocId(doc)?.orgId : undefined;
		const expired = orgId !== undefined && (await this.deps.sessions.refusal(conn.sessionHash, conn.userId, orgId));
		const refused = expired ? expired.message : this.deps.presence.receive(conn, doc, payload);
		if (refused) frameError(conn, 'PRESENCE_REFUSED', refused);
	}

	private async welcome(conn: Connection, user: UserProfile) {
		const docs: string[] = [];
		for (const docId of await this.deps.documents.docsOf(user.id)) {
			const orgId = parseDocId(docId)?.orgId;
			const room = orgId === undefined ? undefined : await this.deps.rooms.load(orgId);
			docs.push(...(room?.readableBy(user.id) ?? []));
		}
		const since = (await steppedUpAt(this.deps.accounts, conn.sessionHash)) ?? -Infinity;
		const stepUpValidForMs = Math.max(0, since + STEP_UP_TTL_MS - this.deps.now());
		conn.sendJson({ t: 'welcome', protocol: PROTOCOL_VERSION, user: publicProfile(user), docs, stepUpValidForMs });
	}

	private docRoom(docId: string) {
		const orgId = parseDocId(docId)?.orgId;
		return orgId === undefined ? undefined : this.deps.rooms.get(orgId)?.docRoom(docId);
	}

	private async receiveText(conn: Connection, text: string, session: SessionRow | true) {
		const message = parseClientText(conn, text);
		if (!message) return;
		switch (message.t) {
			case 'mutate':
				return this.mutate(conn, message.id, message.mutation, session);
			default:
				return message.t satisfies never;
		}
	}

	private async mutate(conn: Connection, id: string, body: unknown, session: SessionRow | true) {
		const serverOnly = serverOnlyRefusal(body);
		if (serverOnly) return conn.sendJson(verdictMessage(id, serverOnly));
		const expired = await this.deps.sessions.mutationRefusal(conn.userId, body, conn.sessionHash);
		if (expired) return conn.sendJson(verdictMessage(id, expired));
		const waiter = socketWaiter(conn, id, this.abandoned);
		// The store could not be read for it (its users, its organization): as for a failed commit, the client sends it again later.
		const stepped = session === true ? await steppedUpAt(this.deps.accounts, conn.sessionHash) : session.stepped_up_at || undefined;
		await this.deps.pipeline.submit(conn.userId, id, body, waiter, stepped).catch((err: unknown) => {
			console.error('A mutation could not be queued: the store failed.', err);
			waiter.fail();
		});
	}
}
