import * as Y from 'yjs';
import {
	Id,
	NOT_A_MEMBER,
	serverOnlyRefusal,
	STEP_UP_TTL_MS,
	applyChanges,
	checkMutation,
	memberOf,
	membershipEvents,
	recordable,
	publicProfile,
	parseMutation,
	unknownFields,
	type Change,
	type Directory,
	type Member,
	type MembershipAlert,
	type Mutation,
	type Refusal,
	type UserProfile
} from '$lib/domain/index.ts';
import { decodeSyncFrame, encodeSyncFrame, SYNC_STEP1, SYNC_STEP2, SYNC_UPDATE } from '$lib/protocol/frames.ts';
import {
	CLOSE,
	ClientMessage,
	PROTOCOL_VERSION,
	orgDocId,
	parseDocId,
	type ServerMessage,
	type VerdictMessage
} from '$lib/protocol/messages.ts';
import { SERVER_ORIGIN, type DocRoom } from './doc-room.ts';
import { accessToRecheck, indexInvitations } from './change-effects.ts';
import { OrgRoom } from './org-room.ts';
import { DEFAULT_LIMITS, UserBudgets, type ConnectionLimits } from './budget.ts';
import { OrgSessions } from './org-sessions.ts';
import { Connection, type Socket } from './socket.ts';
import type { Store } from './store.ts';

type Verdict = { ok: true } | Refusal;

/** A checked mutation waiting for the group commit that makes it durable. */
interface Pending {
	userId: string;
	id: string;
	mutation: Mutation | undefined;
	/** The organization whose activity feed records it: only one the sender belongs to (invariant 10). */
	orgId: string | null;
	/** The mutation's type as sent, for the record when it could not be parsed. */
	type: string;
	verdict: Verdict;
	/** Connections waiting for this verdict: the sender, and any that retried it meanwhile. */
	waiters: Connection[];
	/** Callers waiting for this verdict outside a connection (HTTP routes). */
	listeners: ((verdict: Verdict) => void)[];
	room: OrgRoom | undefined;
	changes: readonly Change[];
	/** Each member the changes touch, as it was before them (undefined: not a member), to tell joins, departures and role changes. */
	wasMember: Map<string, Member | undefined>;
}

export interface HubOptions {
	store: Store;
	now?: () => number;
	/** Whether a connection's session still holds (Roster's own limits); asked on each message, which counts as activity (default: always). */
	sessionLive?: (sessionHash: string) => boolean;
	/** Told of each invitation once it is durable, to mail the invitee. */
	onInvited?: (invitation: InvitationNotice) => void;
	/** Told of each durable membership change of an organization with notification channels, to alert them. */
	onMembershipChange?: (alert: MembershipAlert) => void;
	/** What each user's connections may send and leave unread (default: DEFAULT_LIMITS). */
	limits?: ConnectionLimits;
}

/** What an invitation email says. */
export interface InvitationNotice {
	orgId: string;
	email: string;
	orgName: string;
	projectName?: string;
	invitedBy: string;
	expiresAt: number;
}


/**
 * The authority: takes mutations from connections, checks them with the domain,
 * applies accepted ones, commits a batch to the store, then broadcasts and acks.
 */
export class SyncHub {
	private readonly store: Store;
	private readonly now: () => number;
	private readonly sessionLive: (sessionHash: string) => boolean;
	private readonly onInvited: (invitation: InvitationNotice) => void;
	private readonly onMembershipChange: (alert: MembershipAlert) => void;
	private readonly budgets: UserBudgets;
	private readonly rooms = new Map<string, OrgRoom>();
	private readonly connections = new Map<string, Set<Connection>>();
	/** SPEC §2 session timeouts, per session and organization. */
	private readonly orgSessions: OrgSessions;
	private batch: Pending[] = [];
	private readonly inFlight = new Map<string, Pending>();
	private flushScheduled = false;
	readonly directory: Directory;

	constructor(options: HubOptions) {
		this.store = options.store;
		this.now = options.now ?? Date.now;
		this.sessionLive = options.sessionLive ?? (() => true);
		this.onInvited = options.onInvited ?? (() => {});
		this.onMembershipChange = options.onMembershipChange ?? (() => {});
		this.budgets = new UserBudgets(options.limits ?? DEFAULT_LIMITS, (userId) => this.connections.has(userId));
		const store = this.store;
		this.orgSessions = new OrgSessions(store, this.now, (orgId) => this.orgState(orgId));
		const profile = (u: UserProfile | undefined) => u && publicProfile(u);
		this.directory = {
			user: (id) => profile(store.user(id)),
			userByUsername: (name) => profile(store.userByUsername(name)),
			usersByEmail: (email) => store.verifiedUsersByEmail(email).map(publicProfile)
		};
	}

	/**
	 * An HTTP route's write (a card, a managed user, a profile) costs its user a frame of the
	 * budget its sockets share, so no route is a way around it. Milliseconds to wait when it is
	 * spent (nothing charged), else 0.
	 */
	spend(userId: string): number {
		return this.budgets.spend(userId);
	}

	attach(socket: Socket, user: UserProfile, sessionHash: string): Connection {
		const conn = new Connection(user.id, socket, sessionHash, this.budgets.of(user.id));
		let set = this.connections.get(user.id);
		if (!set) this.connections.set(user.id, (set = new Set()));
		set.add(conn);
		const docs = this.store.docsOf(user.id).flatMap((docId) => {
			const orgId = parseDocId(docId)?.orgId;
			return orgId === undefined ? [] : (this.room(orgId, false)?.readableBy(user.id) ?? []);
		});
		const stepUpValidForMs = Math.max(0, (this.steppedUpAt(sessionHash) ?? -Infinity) + STEP_UP_TTL_MS - this.now());
		this.send(conn, { t: 'welcome', protocol: PROTOCOL_VERSION, user: publicProfile(user), docs, stepUpValidForMs });
		return conn;
	}

	/** When a session last entered a two-factor code (SPEC §4 step-up). */
	private steppedUpAt(sessionHash: string | undefined): number | undefined {
		return (sessionHash && this.store.session(sessionHash)?.stepped_up_at) || undefined;
	}

	/**
	 * For sockets that only listen: closes those whose session ended (Roster's own limits), and
	 * takes back the documents of each organization whose timeout passed for their session.
	 */
	sweepSessions(live: (sessionHash: string) => boolean) {
		for (const set of this.connections.values()) {
			for (const conn of set) {
				if (!live(conn.sessionHash)) {
					conn.socket.close(CLOSE.unauthenticated.code, CLOSE.unauthenticated.reason);
					continue;
				}
				const orgIds = new Set([...conn.docs].flatMap((docId) => parseDocId(docId)?.orgId ?? []));
				for (const orgId of orgIds) {
					const refusal = this.orgSessions.refusal(conn.sessionHash, conn.userId, orgId);
					if (refusal) this.revokeOrg(conn.sessionHash, conn.userId, orgId, refusal.message);
				}
			}
		}
		this.orgSessions.prune();
	}

	/**
	 * SPEC §2 session timeouts, per organization: why this session may no longer act on or read
	 * this organization, if so; else its action counts as activity there. Once refused, the
	 * organization's documents are taken back from every socket of the session.
	 */
	enterOrg(sessionHash: string, userId: string, orgId: string): Refusal | undefined {
		const refusal = this.orgSessions.enter(sessionHash, userId, orgId);
		if (refusal) this.revokeOrg(sessionHash, userId, orgId, refusal.message);
		return refusal;
	}

	/** Unsubscribes a session's sockets from an organization whose session timeout passed, saying so. */
	private revokeOrg(sessionHash: string, userId: string, orgId: string, reason: string) {
		for (const conn of this.connections.get(userId) ?? []) {
			if (conn.sessionHash !== sessionHash) continue;
			for (const docId of conn.docs) {
				if (parseDocId(docId)?.orgId !== orgId) continue;
				this.docRoom(docId)?.subscribers.delete(conn);
				conn.docs.delete(docId);
				this.send(conn, { t: 'revoked', doc: docId, reason, code: 'SESSION_EXPIRED' });
			}
		}
	}

	/** Closes every socket opened with a session that has just ended. */
	endSession(sessionHash: string) {
		this.orgSessions.forget(sessionHash);
		for (const set of this.connections.values()) {
			for (const conn of set) {
				if (conn.sessionHash === sessionHash) conn.socket.close(CLOSE.unauthenticated.code, CLOSE.unauthenticated.reason);
			}
		}
	}

	/** Whether a user may open one more socket: every broadcast to a document visits each of its subscribers. */
	mayConnect(userId: string): boolean {
		return (this.connections.get(userId)?.size ?? 0) < this.budgets.limits.socketsPerUser;
	}

	detach(conn: Connection) {
		for (const docId of conn.docs) this.docRoom(docId)?.subscribers.delete(conn);
		conn.docs.clear();
		const set = this.connections.get(conn.userId);
		set?.delete(conn);
		if (set?.size) return;
		this.connections.delete(conn.userId);
		this.budgets.release(conn.userId);
	}

	receive(conn: Connection, data: string | Uint8Array) {
		// A session that expired or was ended while the socket stayed open stops here.
		if (!this.sessionLive(conn.sessionHash)) return conn.socket.close(CLOSE.unauthenticated.code, CLOSE.unauthenticated.reason);
		if (typeof data === 'string') this.receiveText(conn, data);
		else this.receiveSync(conn, data);
	}

	private send(conn: Connection, message: ServerMessage) {
		conn.sendJson(message);
	}

	private error(conn: Connection, code: Refusal['code'], message: string) {
		this.send(conn, { t: 'error', code, message });
	}

	private docRoom(docId: string): DocRoom | undefined {
		const orgId = parseDocId(docId)?.orgId;
		return orgId === undefined ? undefined : this.room(orgId, false)?.docRoom(docId);
	}

	/** The loaded room of an organization; an unknown one is made only for org.create. */
	private room(orgId: string, create: boolean): OrgRoom | undefined {
		let room = this.rooms.get(orgId);
		if (room) return room;
		room = new OrgRoom(orgId, this.store, this.directory);
		if (!room.exists() && !create) return undefined;
		this.rooms.set(orgId, room);
		return room;
	}

	private receiveSync(conn: Connection, data: Uint8Array) {
		let frame;
		try {
			frame = decodeSyncFrame(data);
		} catch {
			return this.error(conn, 'INVALID_FRAME', 'A binary frame could not be read.');
		}
		if (frame.kind !== SYNC_STEP1) {
			return this.error(
				conn,
				'RAW_UPDATE_REFUSED',
				'Documents are written by the server only; send a mutation instead. The update was ignored.'
			);
		}
		const orgId = parseDocId(frame.doc)?.orgId;
		const room = orgId === undefined ? undefined : this.room(orgId, false);
		const docRoom = room?.docRoom(frame.doc);
		const expired = room && this.enterOrg(conn.sessionHash, conn.userId, room.orgId);
		if (expired) return this.send(conn, { t: 'revoked', doc: frame.doc, reason: expired.message, code: 'SESSION_EXPIRED' });
		if (!room || !docRoom || !room.mayRead(frame.doc, conn.userId)) {
			return this.send(conn, { t: 'revoked', doc: frame.doc, reason: 'You may not read this document.' });
		}
		let diff;
		try {
			diff = Y.encodeStateAsUpdate(docRoom.doc, frame.payload);
		} catch {
			return this.error(conn, 'INVALID_FRAME', 'The state vector could not be read.');
		}
		docRoom.subscribers.add(conn);
		conn.docs.add(docRoom.docId);
		// The answer counts against the asker's byte budget: asking again and again for a large document costs it, not the server.
		const answer = encodeSyncFrame(docRoom.docId, SYNC_STEP2, diff);
		conn.budget.charge(0, answer.byteLength);
		conn.send(answer);
	}

	private receiveText(conn: Connection, text: string) {
		let parsed;
		try {
			parsed = ClientMessage.safeParse(JSON.parse(text));
		} catch {
			return this.error(conn, 'INVALID_FRAME', 'A text frame was not valid JSON.');
		}
		if (!parsed.success) {
			const unknown = unknownFields(parsed.error);
			return this.error(conn, 'INVALID_FRAME', unknown ? `${unknown} in a mutate message.` : 'A text frame was not a message Roster knows.');
		}
		this.mutate(conn, parsed.data.id, parsed.data.mutation);
	}

	private mutate(conn: Connection, id: string, body: unknown) {
		const serverOnly = serverOnlyRefusal(body);
		if (serverOnly) return this.send(conn, verdictMessage(id, serverOnly));
		const expired = this.orgSessionRefusal(conn.userId, body, conn.sessionHash);
		if (expired) return this.send(conn, verdictMessage(id, expired));
		this.submit(conn.userId, id, body, conn, this.steppedUpAt(conn.sessionHash));
	}

	/** Submits on a user's behalf (an HTTP route, with the request's session) and resolves once the verdict is durable. */
	submitAndWait(userId: string, id: string, body: unknown, sessionHash?: string): Promise<Verdict> {
		return new Promise((resolve) => {
			const expired = this.orgSessionRefusal(userId, body, sessionHash);
			if (expired) return resolve(expired);
			const verdict = this.submit(userId, id, body, undefined, this.steppedUpAt(sessionHash));
			const pending = this.inFlight.get(`${userId}\u0000${id}`);
			if (pending) pending.listeners.push(resolve);
			else resolve(verdict);
		});
	}

	/**
	 * The verdict a mutation by `userId` would get now, changing nothing: for a route that
	 * must know several will pass before it sends any.
	 */
	check(userId: string, body: unknown, sessionHash?: string): Verdict {
		const parsed = parseMutation(body);
		if (!parsed.ok) return parsed;
		const room = this.room(parsed.mutation.orgId, false);
		if (!room) return NOT_A_MEMBER;
		const expired = sessionHash && this.orgSessions.refusal(sessionHash, userId, room.orgId);
		if (expired) return expired;
		const verdict = this.verdictOf(room, userId, parsed.mutation, this.steppedUpAt(sessionHash));
		return verdict.ok ? { ok: true } : verdict;
	}

	/** A mutation sent with a session (a socket's, a request's) is first held to its organization's session timeouts. */
	private orgSessionRefusal(userId: string, body: unknown, sessionHash: string | undefined): Refusal | undefined {
		const orgId = (body as { orgId?: unknown } | null)?.orgId;
		return sessionHash && Id.safeParse(orgId).success ? this.enterOrg(sessionHash, userId, orgId as string) : undefined;
	}

	/** The one place the hub asks the domain, so that check() and submit() cannot answer differently. */
	private verdictOf(room: OrgRoom, userId: string, mutation: Mutation, steppedUpAt: number | undefined) {
		return checkMutation(room.state, { actorId: userId, now: this.now(), steppedUpAt }, mutation);
	}

	/**
	 * Checks a mutation by `userId` and, if accepted, applies it in memory; the verdict
	 * goes out after the batch commits (to `conn`, if a connection sent it).
	 */
	private submit(userId: string, id: string, body: unknown, conn?: Connection, steppedUpAt?: number): Verdict {
		const key = `${userId}\u0000${id}`;
		const inFlight = this.inFlight.get(key);
		if (inFlight) {
			if (conn) inFlight.waiters.push(conn);
			return inFlight.verdict;
		}
		const seen = this.store.mutation(userId, id);
		if (seen) {
			if (conn) this.send(conn, verdictMessage(id, seen));
			return seen;
		}

		const sentType = (body as { type?: unknown } | null)?.type;
		const pending: Pending = {
			userId,
			id,
			type: typeof sentType === 'string' ? sentType.slice(0, 64) : '?',
			orgId: null,
			mutation: undefined,
			verdict: { ok: true },
			waiters: conn ? [conn] : [],
			listeners: [],
			room: undefined,
			changes: [],
			wasMember: new Map()
		};
		const parsed = parseMutation(body);
		if (!parsed.ok) pending.verdict = parsed;
		else {
			pending.mutation = parsed.mutation;
			const room = this.room(parsed.mutation.orgId, parsed.mutation.type === 'org.create');
			if (!room) pending.verdict = NOT_A_MEMBER;
			else {
				pending.room = room;
				const verdict = this.verdictOf(room, userId, parsed.mutation, steppedUpAt);
				if (verdict.ok || room.state.member(userId)) pending.orgId = room.orgId;
				if (verdict.ok) this.apply(room, verdict.changes, pending);
				else {
					pending.verdict = verdict;
					if (!room.exists()) this.rooms.delete(room.orgId);
				}
			}
		}
		this.inFlight.set(key, pending);
		this.enqueue(pending);
		return pending.verdict;
	}

	/**
	 * SPEC §4: a user whose address is verified accepts every pending invitation to it,
	 * each as its own mutation (recorded in the organization's activity). Returns where
	 * the accepted ones lead, project invitations first.
	 */
	acceptInvitations(userId: string): { orgId: string; projectId?: string }[] {
		const user = this.directory.user(userId);
		if (!user?.emailVerified) return [];
		const landed: { orgId: string; projectId?: string }[] = [];
		for (const row of this.store.invitationsFor(user.email)) {
			const projectId = row.project_id || undefined;
			const state = this.room(row.org_id, false)?.state;
			const invitation = projectId ? state?.project(projectId)?.invitation(row.invite_id) : state?.invitation(row.invite_id);
			if (!invitation) continue;
			const mutation = { type: 'invite.accept', orgId: row.org_id, inviteId: row.invite_id, ...(projectId ? { projectId } : {}) };
			// The id is the inviter's choice and may come back once this invitation is gone: its creation
			// makes the key this invitation's own, so a later one is not answered with this one's verdict.
			const key = `accept:${row.org_id}/${row.project_id}/${row.invite_id}@${invitation.createdAt}`;
			const verdict = this.submit(userId, key, mutation);
			if (verdict.ok) landed.push({ orgId: row.org_id, projectId });
		}
		return landed.sort((a, b) => +!a.projectId - +!b.projectId);
	}

	private apply(room: OrgRoom, changes: readonly Change[], pending: Pending) {
		for (const c of changes) {
			if (c.kind === 'member.put') pending.wasMember.set(c.member.userId, room.state.member(c.member.userId));
			if (c.kind === 'member.delete') pending.wasMember.set(c.userId, room.state.member(c.userId));
		}
		pending.changes = changes;
		applyChanges(room.state, changes, SERVER_ORIGIN);
	}

	private enqueue(pending: Pending) {
		this.batch.push(pending);
		if (this.flushScheduled) return;
		this.flushScheduled = true;
		setImmediate(() => this.flush());
	}

	/** Group commit: one transaction for the batch, then access changes, broadcasts and verdicts. */
	private flush() {
		this.flushScheduled = false;
		const batch = this.batch;
		this.batch = [];
		const rooms = new Set(batch.flatMap((p) => (p.room ? [p.room] : [])));
		const broadcasts: [OrgRoom, DocRoom, Uint8Array][] = [];
		const at = this.now();
		try {
			this.commit(batch, rooms, broadcasts, at);
		} catch (err) {
			// Memory now holds changes the store does not: stop rather than acknowledge or serve them.
			console.error('Commit failed; exiting so that nothing unacknowledged survives in memory.', err);
			process.exit(1);
		}
		this.afterCommit(batch, broadcasts);
	}

	private commit(batch: Pending[], rooms: Set<OrgRoom>, broadcasts: [OrgRoom, DocRoom, Uint8Array][], at: number) {
		this.store.transaction(() => {
			for (const room of rooms) {
				for (const docRoom of room.dirty) {
					const merged = docRoom.persist();
					if (merged) broadcasts.push([room, docRoom, merged]);
				}
				room.dirty.clear();
			}
			for (const p of batch) {
				if (p.userId) this.record(p, at);
				if (p.room) indexInvitations(this.store, p.room.orgId, p.changes);
				if (p.verdict.ok && p.mutation?.type === 'org.setNotifications' && p.mutation.webhook !== undefined) {
					this.store.setWebhook(p.mutation.orgId, p.mutation.webhook);
				}
				for (const [userId, was] of p.wasMember) {
					const is = !!p.room!.state.member(userId);
					if (is && !was) this.store.addMembership(userId, p.room!.org.docId);
					if (!is && was) this.store.removeMembership(userId, p.room!.org.docId);
				}
			}
		});
	}

	private afterCommit(batch: Pending[], broadcasts: [OrgRoom, DocRoom, Uint8Array][]) {
		// Whoever lost access stops receiving before anything is broadcast.
		const access = batch.flatMap((p) => (p.room ? accessToRecheck(p.room, p.changes, p.mutation?.type) : []));
		for (const [room, userId, docIds] of access) this.syncAccess(room, userId, docIds, 'revoke');
		// Senders first: their update, any document they just gained, then their verdict; then everyone else.
		const waiting = new Set(batch.flatMap((p) => p.waiters));
		const frames = broadcasts.map(([room, docRoom, update]) => ({
			room,
			docRoom,
			frame: encodeSyncFrame(docRoom.docId, SYNC_UPDATE, update)
		}));
		const broadcast = (toWaiting: boolean) => {
			for (const { room, docRoom, frame } of frames) {
				for (const conn of docRoom.subscribers) {
					if (waiting.has(conn) !== toWaiting) continue;
					// Access is re-checked on every send, not only when subscribing; so is the organization's session timeout.
					const expired = this.orgSessions.refusal(conn.sessionHash, conn.userId, room.orgId);
					if (expired) this.revokeOrg(conn.sessionHash, conn.userId, room.orgId, expired.message);
					else if (room.mayRead(docRoom.docId, conn.userId)) conn.send(frame);
					else this.syncAccess(room, conn.userId, [docRoom.docId], 'revoke');
				}
			}
		};
		broadcast(true);
		// Whoever gained access gets whole documents, which include this batch.
		for (const [room, userId, docIds] of access) this.syncAccess(room, userId, docIds, 'grant');
		for (const p of batch) {
			this.inFlight.delete(`${p.userId}\u0000${p.id}`);
			const message = verdictMessage(p.id, p.verdict);
			for (const conn of p.waiters) this.send(conn, message);
			for (const listener of p.listeners) listener(p.verdict);
		}
		broadcast(false);
		for (const p of batch) {
			const m = p.mutation;
			if (p.room && p.verdict.ok && (m?.type === 'member.invite' || m?.type === 'project.invite')) {
				this.announceInvitation(p.room, p.userId, m.inviteId, p.changes);
			}
			if (p.room && p.verdict.ok && m) this.alertMembership(p.room, p, m);
		}
	}

	/** SPEC §2: a durable change of who is in the organization goes to its notification channels, if any are set. */
	private alertMembership(room: OrgRoom, p: Pending, mutation: Mutation) {
		const org = room.state.org();
		const settings = org?.notifications;
		if (!org || !(settings?.email || settings?.webhook)) return;
		const channels = { email: settings.email, webhook: settings.webhook ? (this.store.webhook(org.id) ?? null) : null };
		// Members the changes did not touch are as they were.
		const before = (userId: string) => (p.wasMember.has(userId) ? p.wasMember.get(userId) : room.state.member(userId));
		const events = membershipEvents(mutation, p.changes, before);
		if (!events.length) return;
		const username = before(p.userId)?.username ?? this.directory.user(p.userId)?.username ?? 'a deleted user';
		this.onMembershipChange({ org: { id: org.id, name: org.name }, channels, actor: { id: p.userId, username }, mutation: mutation.type, events, at: this.now() });
	}

	/** Mails a new invitation; changes that only rewrite one (placing its invitee in a team) send nothing. */
	private announceInvitation(room: OrgRoom, userId: string, inviteId: string, changes: readonly Change[]) {
		const invitedBy = room.state.member(userId);
		for (const c of changes) {
			if ((c.kind !== 'invitation.put' && c.kind !== 'projectInvitation.put') || c.invitation.id !== inviteId) continue;
			const projectName = c.kind === 'projectInvitation.put' ? room.state.project(c.projectId)?.project()?.name : undefined;
			this.onInvited({
				orgId: room.orgId,
				email: c.invitation.email,
				orgName: room.state.org()?.name ?? '',
				projectName,
				invitedBy: invitedBy ? invitedBy.displayName || invitedBy.username : 'An administrator',
				expiresAt: c.invitation.expiresAt
			});
		}
	}

	private record(p: Pending, at: number) {
		const refusal = p.verdict.ok ? undefined : p.verdict;
		this.store.recordMutation({
			userId: p.userId,
			id: p.id,
			orgId: p.orgId,
			type: p.mutation?.type ?? p.type,
			// The parsed mutation only: bounded by its schema, unknown keys dropped; never the raw frame.
			body: JSON.stringify(p.mutation ? recordable(p.mutation) : null),
			ok: p.verdict.ok,
			code: refusal?.code ?? null,
			message: refusal?.message ?? null,
			at
		});
	}

	/** Brings a user's live subscriptions to `docIds` in line with what it may read now. */
	private syncAccess(room: OrgRoom, userId: string, docIds: readonly string[], mode: 'revoke' | 'grant') {
		const conns = this.connections.get(userId);
		if (!conns?.size) return;
		for (const docId of docIds) {
			const docRoom = room.docRoom(docId);
			if (!docRoom) continue;
			const may = room.mayRead(docId, userId);
			for (const conn of conns) {
				const has = conn.docs.has(docId);
				if (mode === 'revoke' && has && !may) {
					docRoom.subscribers.delete(conn);
					conn.docs.delete(docId);
					this.send(conn, { t: 'revoked', doc: docId, reason: 'You no longer have access to this.' });
				} else if (mode === 'grant' && !has && may && !this.orgSessions.refusal(conn.sessionHash, userId, room.orgId)) {
					docRoom.subscribers.add(conn);
					conn.docs.add(docId);
					conn.send(encodeSyncFrame(docId, SYNC_UPDATE, Y.encodeStateAsUpdate(docRoom.doc)));
				}
			}
		}
	}

	/** An organization's state, for HTTP routes that read it (export). */
	orgState(orgId: string) {
		return this.room(orgId, false)?.state;
	}

	/** A member's role in an organization, for HTTP routes that answer by the same role table. */
	memberRole(orgId: string, userId: string) {
		return this.room(orgId, false)?.state.member(userId)?.role;
	}

	/** Copies a user's changed profile (e.g. a verified email) into every organization it belongs to. */
	refreshProfile(userId: string) {
		const user = this.directory.user(userId);
		if (!user) return;
		for (const docId of this.store.docsOf(userId)) {
			const orgId = parseDocId(docId)?.orgId;
			if (orgId === undefined) continue;
			const member = this.room(orgId, false)?.state.member(userId);
			if (member) void this.applyServerChanges(orgId, [{ kind: 'member.put', member: memberOf(user, member.role, member.joinedAt) }]);
		}
	}

	/**
	 * Applies changes no user sent (a refreshed profile, an issued invoice) through the same
	 * group commit, persistence and broadcast as a mutation; resolves once they are durable.
	 * Nothing is recorded in the activity feed: no one acted.
	 */
	applyServerChanges(orgId: string, changes: readonly Change[]): Promise<void> {
		const room = this.room(orgId, false);
		if (!room || !changes.length) return Promise.resolve();
		return new Promise((resolve) => {
			const pending: Pending = {
				userId: '',
				id: '',
				type: '',
				orgId: null,
				mutation: undefined,
				verdict: { ok: true },
				waiters: [],
				listeners: [() => resolve()],
				room,
				changes: [],
				wasMember: new Map()
			};
			this.apply(room, changes, pending);
			this.enqueue(pending);
		});
	}

	/** Every organization in the store, for work that visits each (the billing run). */
	orgIds(): string[] {
		return this.store.docIdsWithPrefix(orgDocId('')).flatMap((docId) => parseDocId(docId)?.orgId ?? []);
	}
}

function verdictMessage(id: string, v: Verdict): VerdictMessage {
	return v.ok ? { t: 'verdict', id, ok: true } : { t: 'verdict', id, ok: false, code: v.code, message: v.message };
}
