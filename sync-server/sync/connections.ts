import { UserBudgets, type ConnectionLimits } from '../budget.ts';
import type { DocRoom } from '../doc-room.ts';
import { Connection, type Credential, type Socket } from '../socket.ts';

/** The open connections by user, what each is subscribed to, and the budgets each user's connections share. */
export class Connections {
	private readonly byUser = new Map<string, Set<Connection>>();
	readonly budgets: UserBudgets;

	constructor(
		limits: ConnectionLimits,
		/** Told each time a connection stops following a document (closed, unsubscribed, revoked): presence's removals. */
		private readonly left: (conn: Connection, docId: string) => void
	) {
		this.budgets = new UserBudgets(limits, (userId) => this.byUser.has(userId));
	}

	/** How many users have a connection open. */
	get size(): number {
		return this.byUser.size;
	}

	/** Whether a user may open one more socket: every broadcast to a document visits each of its subscribers. */
	mayConnect(userId: string): boolean {
		return (this.byUser.get(userId)?.size ?? 0) < this.budgets.limits.socketsPerUser;
	}

	open(socket: Socket, userId: string, sessionHash: string, credential?: Credential): Connection {
		const conn = new Connection(userId, socket, sessionHash, this.budgets.of(userId), credential);
		let set = this.byUser.get(userId);
		if (!set) this.byUser.set(userId, (set = new Set()));
		set.add(conn);
		return conn;
	}

	/** Forgets a closed connection: its subscriptions, and its user's budget once its last one is gone. */
	close(conn: Connection, docRoom: (docId: string) => DocRoom | undefined) {
		conn.closed = true;
		for (const docId of conn.docs) this.unsubscribe(conn, docRoom(docId), docId);
		const set = this.byUser.get(conn.userId);
		set?.delete(conn);
		if (set?.size) return;
		this.byUser.delete(conn.userId);
		this.budgets.release(conn.userId);
	}

	unsubscribe(conn: Connection, docRoom: DocRoom | undefined, docId: string) {
		docRoom?.subscribers.delete(conn);
		conn.docs.delete(docId);
		this.left(conn, docId);
	}

	of(userId: string): ReadonlySet<Connection> {
		return this.byUser.get(userId) ?? new Set();
	}

	/** The users with a connection open. */
	userIds(): Iterable<string> {
		return this.byUser.keys();
	}

	*all(): Iterable<Connection> {
		for (const set of this.byUser.values()) yield* set;
	}
}

/** Subscribes an attached connection; one already detached stays out (its work may finish after it closed). */
export function subscribe(conn: Connection, docRoom: DocRoom): boolean {
	if (conn.closed || (conn.socket.follows !== undefined && conn.socket.follows !== docRoom.docId)) return false;
	docRoom.subscribers.add(conn);
	conn.docs.add(docRoom.docId);
	return true;
}
