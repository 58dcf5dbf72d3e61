import * as Y from 'yjs';
import {
	applyChanges,
	checkMutation,
	memberOf,
	parseMutation,
	type Change,
	type Directory,
	type Mutation,
	type Refusal,
	type UserProfile
} from '$lib/domain/index.ts';
import { decodeSyncFrame, encodeSyncFrame, SYNC_STEP1, SYNC_STEP2, SYNC_UPDATE } from '$lib/protocol/frames.ts';
import {
	CLOSE,
	ClientMessage,
	PROTOCOL_VERSION,
	orgIdOf,
	type ServerMessage,
	type VerdictMessage
} from '$lib/protocol/messages.ts';
import { OrgRoom, SERVER_ORIGIN } from './org-room.ts';
import { Connection, type Socket } from './socket.ts';
import type { Store } from './store.ts';

type Verdict = { ok: true } | Refusal;

/** A checked mutation waiting for the group commit that makes it durable. */
interface Pending {
	userId: string;
	id: string;
	mutation: Mutation | undefined;
	body: unknown;
	verdict: Verdict;
	/** Connections waiting for this verdict: the sender, and any that retried it meanwhile. */
	waiters: Connection[];
	joined: string[];
	left: string[];
	room: OrgRoom | undefined;
}

export interface HubOptions {
	store: Store;
	now?: () => number;
}

/**
 * The authority: takes mutations from connections, checks them with the domain,
 * applies accepted ones, commits a batch to the store, then broadcasts and acks.
 */
export class SyncHub {
	private readonly store: Store;
	private readonly now: () => number;
	private readonly rooms = new Map<string, OrgRoom>();
	private readonly connections = new Map<string, Set<Connection>>();
	private batch: Pending[] = [];
	private readonly inFlight = new Map<string, Pending>();
	private flushScheduled = false;
	readonly directory: Directory;

	constructor(options: HubOptions) {
		this.store = options.store;
		this.now = options.now ?? Date.now;
		const store = this.store;
		const profile = (u: UserProfile | undefined) =>
			u && { id: u.id, username: u.username, email: u.email, emailVerified: u.emailVerified, displayName: u.displayName };
		this.directory = {
			user: (id) => profile(store.user(id)),
			userByUsername: (name) => profile(store.userByUsername(name))
		};
	}

	attach(socket: Socket, user: UserProfile, sessionHash: string): Connection {
		const conn = new Connection(user.id, socket, sessionHash);
		let set = this.connections.get(user.id);
		if (!set) this.connections.set(user.id, (set = new Set()));
		set.add(conn);
		this.send(conn, { t: 'welcome', protocol: PROTOCOL_VERSION, user, docs: this.store.docsOf(user.id) });
		return conn;
	}

	/** Closes every socket opened with a session that has just ended. */
	endSession(sessionHash: string) {
		for (const set of this.connections.values()) {
			for (const conn of set) {
				if (conn.sessionHash === sessionHash) conn.socket.close(CLOSE.unauthenticated.code, CLOSE.unauthenticated.reason);
			}
		}
	}

	detach(conn: Connection) {
		for (const docId of conn.docs) this.roomOf(docId)?.subscribers.delete(conn);
		conn.docs.clear();
		this.connections.get(conn.userId)?.delete(conn);
	}

	receive(conn: Connection, data: string | Uint8Array) {
		if (typeof data === 'string') this.receiveText(conn, data);
		else this.receiveSync(conn, data);
	}

	private send(conn: Connection, message: ServerMessage) {
		conn.sendJson(message);
	}

	private error(conn: Connection, code: Refusal['code'], message: string) {
		this.send(conn, { t: 'error', code, message });
	}

	private roomOf(docId: string): OrgRoom | undefined {
		const orgId = orgIdOf(docId);
		return orgId === undefined ? undefined : this.room(orgId, false);
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
		const room = this.roomOf(frame.doc);
		if (!room || !room.state.member(conn.userId)) {
			return this.send(conn, { t: 'revoked', doc: frame.doc, reason: 'You are not a member of this organization.' });
		}
		let diff;
		try {
			diff = Y.encodeStateAsUpdate(room.doc, frame.payload);
		} catch {
			return this.error(conn, 'INVALID_FRAME', 'The state vector could not be read.');
		}
		room.subscribers.add(conn);
		conn.docs.add(room.docId);
		conn.send(encodeSyncFrame(room.docId, SYNC_STEP2, diff));
	}

	private receiveText(conn: Connection, text: string) {
		let parsed;
		try {
			parsed = ClientMessage.safeParse(JSON.parse(text));
		} catch {
			return this.error(conn, 'INVALID_FRAME', 'A text frame was not valid JSON.');
		}
		if (!parsed.success) {
			return this.error(conn, 'INVALID_FRAME', 'A text frame was not a message Roster knows.');
		}
		this.mutate(conn, parsed.data.id, parsed.data.mutation);
	}

	private mutate(conn: Connection, id: string, body: unknown) {
		const key = `${conn.userId}\u0000${id}`;
		const inFlight = this.inFlight.get(key);
		if (inFlight) return void inFlight.waiters.push(conn);
		const seen = this.store.mutation(conn.userId, id);
		if (seen) return this.send(conn, verdictMessage(id, seen));

		const pending: Pending = {
			userId: conn.userId,
			id,
			body,
			mutation: undefined,
			verdict: { ok: true },
			waiters: [conn],
			joined: [],
			left: [],
			room: undefined
		};
		const parsed = parseMutation(body);
		if (!parsed.ok) pending.verdict = parsed;
		else {
			pending.mutation = parsed.mutation;
			const room = this.room(parsed.mutation.orgId, parsed.mutation.type === 'org.create');
			if (!room) pending.verdict = { ok: false, code: 'NOT_A_MEMBER', message: 'You are not a member of this organization.' };
			else {
				pending.room = room;
				const verdict = checkMutation(room.state, { actorId: conn.userId, now: this.now() }, parsed.mutation);
				if (verdict.ok) this.apply(room, verdict.changes, pending);
				else {
					pending.verdict = verdict;
					if (!room.exists()) this.rooms.delete(room.orgId);
				}
			}
		}
		this.inFlight.set(key, pending);
		this.enqueue(pending);
	}

	/** Applies changes to the room's document, noting who joins or leaves the organization. */
	private apply(room: OrgRoom, changes: readonly Change[], pending: Pending) {
		for (const c of changes) {
			if (c.kind === 'member.put' && !room.state.member(c.member.userId)) pending.joined.push(c.member.userId);
			if (c.kind === 'member.delete') pending.left.push(c.userId);
		}
		applyChanges(room.state, changes, SERVER_ORIGIN);
	}

	private enqueue(pending: Pending) {
		this.batch.push(pending);
		if (this.flushScheduled) return;
		this.flushScheduled = true;
		setImmediate(() => this.flush());
	}

	/** Group commit: one transaction for the batch, then revocations, broadcasts, joins and verdicts. */
	private flush() {
		this.flushScheduled = false;
		const batch = this.batch;
		this.batch = [];
		const rooms = new Set(batch.flatMap((p) => (p.room ? [p.room] : [])));
		const broadcasts = new Map<OrgRoom, Uint8Array>();
		const at = this.now();
		this.store.transaction(() => {
			for (const room of rooms) {
				const merged = room.persist();
				if (merged) broadcasts.set(room, merged);
			}
			for (const p of batch) {
				const refusal = p.verdict.ok ? undefined : p.verdict;
				if (p.userId) {
					this.store.recordMutation({
						userId: p.userId,
						id: p.id,
						orgId: p.mutation?.orgId ?? null,
						type: p.mutation?.type ?? String((p.body as { type?: unknown } | null)?.type ?? '?').slice(0, 64),
						body: JSON.stringify(p.body ?? null).slice(0, 4096),
						ok: p.verdict.ok,
						code: refusal?.code ?? null,
						message: refusal?.message ?? null,
						at
					});
				}
				for (const u of p.joined) this.store.addMembership(u, p.room!.docId);
				for (const u of p.left) this.store.removeMembership(u, p.room!.docId);
			}
		});
		for (const p of batch) for (const u of p.left) this.revoke(u, p.room!);
		for (const [room, update] of broadcasts) {
			const frame = encodeSyncFrame(room.docId, SYNC_UPDATE, update);
			for (const conn of room.subscribers) {
				// Access is re-checked on every send, not only at subscribe time.
				if (room.state.member(conn.userId)) conn.send(frame);
				else this.revoke(conn.userId, room);
			}
		}
		for (const p of batch) for (const u of p.joined) this.subscribeAll(u, p.room!);
		for (const p of batch) {
			this.inFlight.delete(`${p.userId}\u0000${p.id}`);
			const message = verdictMessage(p.id, p.verdict);
			for (const conn of p.waiters) this.send(conn, message);
		}
	}

	private revoke(userId: string, room: OrgRoom) {
		if (room.state.member(userId)) return;
		for (const conn of this.connections.get(userId) ?? []) {
			if (!room.subscribers.delete(conn)) continue;
			conn.docs.delete(room.docId);
			this.send(conn, { t: 'revoked', doc: room.docId, reason: 'You are no longer a member of this organization.' });
		}
	}

	/** A user who just joined gets the whole document on every live connection, unasked. */
	private subscribeAll(userId: string, room: OrgRoom) {
		if (!room.state.member(userId)) return;
		for (const conn of this.connections.get(userId) ?? []) {
			if (conn.docs.has(room.docId)) continue;
			room.subscribers.add(conn);
			conn.docs.add(room.docId);
			conn.send(encodeSyncFrame(room.docId, SYNC_UPDATE, Y.encodeStateAsUpdate(room.doc)));
		}
	}

	/** Copies a user's changed profile (e.g. a verified email) into every organization it belongs to. */
	refreshProfile(userId: string) {
		const user = this.directory.user(userId);
		if (!user) return;
		for (const docId of this.store.docsOf(userId)) {
			const room = this.roomOf(docId);
			const member = room?.state.member(userId);
			if (!room || !member) continue;
			const updated = memberOf(user, member.role, member.joinedAt);
			const pending: Pending = {
				userId: '',
				id: '',
				body: undefined,
				mutation: undefined,
				verdict: { ok: true },
				waiters: [],
				joined: [],
				left: [],
				room
			};
			applyChanges(room.state, [{ kind: 'member.put', member: updated }], SERVER_ORIGIN);
			this.enqueue(pending);
		}
	}
}

function verdictMessage(id: string, v: Verdict): VerdictMessage {
	return v.ok
		? { t: 'verdict', id, ok: true }
		: { t: 'verdict', id, ok: false, code: v.code, message: v.message };
}
