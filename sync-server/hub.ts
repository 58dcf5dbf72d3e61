import type * as Y from 'yjs';
import {
	NOT_A_MEMBER,
	parseMutation,
	type Change,
	type Mutation,
	type Preview,
	type Refusal,
	type UserProfile
} from '$lib/domain/index.ts';
import { CLOSE, orgDocId, parseDocId } from '$lib/protocol/messages.ts';
import { DEFAULT_LIMITS, type ConnectionLimits } from './budget.ts';
import { OrgSessions } from './org-sessions.ts';
import type { Connection, Credential, Socket } from './socket.ts';
import type { DocumentStore } from './storage/documents.ts';
import type { AccountStore, SessionRow } from './storage/accounts.ts';
import { acceptInvitations, refreshProfile, type FlowDeps } from './sync/account-flows.ts';
import { AccessSync, type HubWaiter } from './sync/access-sync.ts';
import { SessionLimits } from './sync/session-limits.ts';
import { CommitPipeline } from './sync/commit-pipeline.ts';
import type { Verdict } from './sync/committed-batch.ts';
import { Connections } from './sync/connections.ts';
import { CheckDirectory } from './sync/directory.ts';
import { privateAddressOf } from './public-address.ts';
import type { Reaction } from './sync/reactions.ts';
import { OtherServers } from './sync/other-servers.ts';
import { Presence } from './sync/presence.ts';
import { Rooms } from './sync/rooms.ts';
import { SocketFrames, steppedUpAt } from './sync/socket-frames.ts';

export type { InvitationNotice } from './sync/reactions.ts';

export interface HubOptions {
	/** The accounts: users a mutation names, sessions. */
	store: AccountStore;
	documents: DocumentStore;
	now?: () => number;
	/**
	 * Whether a connection's session still holds (Roster's own limits), asked on each message: its row
	 * when it does (its step-up is read with it), or `true` to read that from the store (default: always).
	 */
	sessionLive?: (sessionHash: string) => Promise<SessionRow | boolean | undefined>;
	/** What each user's connections may send and leave unread (default: DEFAULT_LIMITS). */
	limits?: ConnectionLimits;
	/** Told each failed commit (default: logged). Its organizations are read again and their sockets closed, so clients send again. */
	onCommitFailure?: (err: unknown) => void;
	/** How often to read what other servers committed to the organizations in memory, in case a wake-up was lost (default: never; one store, one server). */
	catchUpEveryMs?: number;
	/** Let webhooks be set to loopback and private addresses (default: refused when set, as they are never posted to). */
	privateWebhooks?: boolean;
	/** The private address a webhook's host is at, if it is (default: looked up in DNS, with a time limit). */
	webhookAddress?: (url: string) => Promise<string | undefined>;
}

function logCommitFailure(err: unknown) {
	console.error('A commit failed: its organizations are read again from the store, and their sockets must reconnect.', err);
}

/**
 * The authority, put together: connections send frames; mutations go through the commit
 * pipeline (check by the domain, apply, group commit); each committed batch is published
 * (access sync: revoke, broadcast, grant, verdicts) and handed to the reactions subscribed.
 */
export class SyncHub {
	private readonly store: AccountStore;
	private readonly documents: DocumentStore;
	private readonly now: () => number;
	private readonly connections: Connections;
	private readonly rooms: Rooms;
	private readonly sessions: SessionLimits;
	private readonly pipeline: CommitPipeline<HubWaiter>;
	private readonly reactions = new Set<Reaction>();
	private readonly flows: FlowDeps;
	private readonly frames: SocketFrames;
	private readonly otherServers: OtherServers;
	private readonly presence: Presence;

	constructor(options: HubOptions) {
		this.store = options.store;
		this.documents = options.documents;
		this.now = options.now ?? Date.now;
		const directory = new CheckDirectory();
		this.rooms = new Rooms(this.documents, directory);
		// Presence is sent as updates are, to whom AccessSync lets them go (it is built next; nothing is sent before).
		this.presence = new Presence(this.rooms, this.now, this.documents, (room, docId, conn) => access.mayReceive(room, docId, conn));
		this.connections = new Connections(options.limits ?? DEFAULT_LIMITS, (conn, docId) => this.presence.leave(conn, docId));
		const orgSessions = new OrgSessions(this.store, this.now, (orgId) => this.rooms.get(orgId)?.state);
		const access = new AccessSync(this.connections, this.rooms, orgSessions, (conn, docId) => this.presence.greet(conn, docId));
		this.sessions = new SessionLimits(this.connections, this.rooms, orgSessions, access);
		this.flows = {
			accounts: this.store,
			documents: this.documents,
			rooms: this.rooms,
			submit: (userId, id, body, by) =>
				new Promise((settle, fail) => void this.pipeline.submit(userId, id, body, { settle, fail }, undefined, by).catch(fail))
		};
		this.pipeline = new CommitPipeline<HubWaiter>({
			store: this.documents,
			accounts: this.store,
			rooms: this.rooms,
			directory,
			webhooks: options.privateWebhooks ? undefined : (options.webhookAddress ?? privateAddressOf),
			now: this.now,
			prepare: (batch) => access.prepare(batch),
			publish: (batch) => {
				access.publish(batch);
				for (const reaction of this.reactions) reaction(batch);
			},
			failed: (err, dropped) => {
				(options.onCommitFailure ?? logCommitFailure)(err);
				for (const room of dropped) {
					for (const docId of room.docIds()) {
						for (const conn of room.docRoom(docId)?.subscribers ?? [])
							conn.socket.close(CLOSE.storeUnavailable.code, CLOSE.storeUnavailable.reason);
					}
				}
			}
		});
		this.frames = new SocketFrames({
			accounts: this.store,
			documents: this.documents,
			connections: this.connections,
			rooms: this.rooms,
			sessions: this.sessions,
			pipeline: this.pipeline,
			presence: this.presence,
			sessionLive: options.sessionLive ?? (async () => true),
			now: this.now
		});
		this.otherServers = new OtherServers(
			this.documents,
			this.rooms,
			this.connections,
			this.pipeline,
			access,
			options.catchUpEveryMs,
			(sessionHash) => this.sessions.end(sessionHash)
		);
	}

	/** Stops following other servers' commits, and presence's timers. */
	close() {
		this.otherServers.close();
		this.presence.close();
	}

	/** Everyone present on a document now, as one y-protocols awareness update (a y-websocket client's queryAwareness); undefined when no one is. */
	presenceOf(docId: string): Uint8Array | undefined {
		return this.presence.presenceOf(docId);
	}

	/** How long commits held their organizations' locks, in one line. */
	commitStats(): string {
		return this.pipeline.stats.summary();
	}

	/** Resolves once no commit is under way (before closing the store). */
	quiet(): Promise<void> {
		return this.pipeline.quiet();
	}

	/** Resolves once this server's copy of the organization holds everything committed to it (by any server) so far. */
	catchUp(orgId: string): Promise<void> {
		return this.pipeline.catchUp(orgId);
	}

	/** Subscribes a reaction (mail, alerts) to every committed batch, after it is published. */
	onCommitted(reaction: Reaction): () => void {
		this.reactions.add(reaction);
		return () => this.reactions.delete(reaction);
	}

	/**
	 * An HTTP route's write (a card, a managed user, a profile) costs its user a frame of the
	 * budget its sockets share, so no route is a way around it. Milliseconds to wait when it is
	 * spent (nothing charged), else 0.
	 */
	spend(userId: string): number {
		return this.connections.budgets.spend(userId);
	}

	/** Whether a user may open one more socket: every broadcast to a document visits each of its subscribers. */
	mayConnect(userId: string): boolean {
		return this.connections.mayConnect(userId);
	}

	/** Takes a signed-in socket (opened with a session, or a `credential` such as a secret); its welcome goes out first, before anything it sends is handled. */
	attach(socket: Socket, user: UserProfile, sessionHash: string, credential?: Credential): Connection {
		return this.frames.attach(socket, user, sessionHash, credential);
	}

	detach(conn: Connection) {
		this.frames.detach(conn);
	}

	/** Handles one frame from a connection, after the ones before it; resolves once handled. */
	receive(conn: Connection, data: string | Uint8Array): Promise<void> {
		return this.frames.receive(conn, data);
	}

	/** Runs work for a connection after its earlier frames, while its session or credential holds (SocketFrames.whileLive). */
	whileLive(conn: Connection, work: () => unknown): Promise<void> {
		return this.frames.whileLive(conn, work);
	}

	/** Closes those of a user's connections whose credential no longer holds (a commit changed its secrets). */
	recheckCredentials(userId: string) {
		this.frames.recheck(userId);
	}

	/** A document as committed, if it exists and the user may read it now. */
	async readableDoc(userId: string, docId: string): Promise<Y.Doc | undefined> {
		const orgId = parseDocId(docId)?.orgId;
		const room = orgId === undefined ? undefined : await this.rooms.load(orgId);
		return room?.mayRead(docId, userId) ? room.docRoom(docId)?.doc : undefined;
	}

	/** Closes sockets whose session ended and takes back organizations whose timeout passed (SessionLimits.sweep). */
	sweepSessions(live: (sessionHash: string) => boolean | Promise<boolean>) {
		return this.sessions.sweep(live);
	}

	/** rules §2 session timeouts, per organization (SessionLimits.enterOrg). */
	enterOrg(sessionHash: string, userId: string, orgId: string): Promise<Refusal | undefined> {
		return this.sessions.enterOrg(sessionHash, userId, orgId);
	}

	/** Closes every socket opened with a session that has just ended, here and (through the store) on every other server. */
	endSession(sessionHash: string, close?: { code: number; reason: string }) {
		this.sessions.end(sessionHash, close);
		void this.documents.endSessions([sessionHash]).catch((err: unknown) => {
			// Their sockets then close at their next frame, or at the minute's sweep.
			console.error('Other servers could not be told that a session ended.', err);
		});
	}

	/**
	 * Submits on a user's behalf (an HTTP route, with the request's session) and resolves once the verdict is durable;
	 * `by` says why, when the user did not ask for it.
	 */
	async submitAndWait(userId: string, id: string, body: unknown, sessionHash?: string, by?: string): Promise<Verdict> {
		const expired = await this.sessions.mutationRefusal(userId, body, sessionHash);
		if (expired) return expired;
		const stepped = await steppedUpAt(this.store, sessionHash);
		return new Promise(
			(resolve, reject) => void this.pipeline.submit(userId, id, body, { settle: resolve, fail: reject }, stepped, by).catch(reject)
		);
	}

	/**
	 * The verdict a mutation by `userId` would get now, changing nothing: for a route that
	 * must know several will pass before it sends any.
	 */
	async check(userId: string, body: unknown, sessionHash?: string): Promise<Verdict> {
		const parsed = parseMutation(body);
		if (!parsed.ok) return parsed;
		const orgId = parsed.mutation.orgId;
		if (!(await this.rooms.load(orgId))) return NOT_A_MEMBER;
		const expired = sessionHash && (await this.sessions.refusal(sessionHash, userId, orgId));
		if (expired) return expired;
		return this.pipeline.check(userId, parsed.mutation, await steppedUpAt(this.store, sessionHash));
	}

	/** What a batch of mutations by `userId` would change of whose access (domain/preview.ts), as `userId` may read it; writes nothing. */
	async preview(
		userId: string,
		orgId: string,
		mutations: readonly Mutation[],
		sessionHash?: string
	): Promise<Preview | 'too large' | undefined> {
		return this.pipeline.preview(userId, orgId, mutations, await steppedUpAt(this.store, sessionHash));
	}

	/** rules §4: accepts every pending invitation to a user's verified address (account-flows.ts); where they lead. */
	acceptInvitations(userId: string): Promise<{ orgId: string; projectId?: string }[]> {
		return acceptInvitations(this.flows, userId);
	}

	/** An organization's state, for HTTP routes that read it (export). */
	async orgState(orgId: string) {
		return (await this.rooms.load(orgId))?.state;
	}

	/** Copies a user's changed profile into every organization it belongs to; resolves once durable. */
	refreshProfile(userId: string): Promise<void> {
		return refreshProfile(this.flows, userId, (orgId, changes) => this.applyServerChanges(orgId, changes));
	}

	/**
	 * Applies changes no user sent (a refreshed profile, an issued invoice) through the same
	 * group commit, persistence and broadcast as a mutation; resolves once they are durable.
	 */
	applyServerChanges(orgId: string, changes: readonly Change[]): Promise<void> {
		return new Promise(
			(resolve, reject) => void this.pipeline.applyServerChanges(orgId, changes, { settle: () => resolve(), fail: reject }).catch(reject)
		);
	}

	/** Every organization in the store, for work that visits each (the billing run). */
	orgIds(): Promise<string[]> {
		return this.rooms.orgIds(orgDocId(''), (docId) => parseDocId(docId)?.orgId);
	}
}
