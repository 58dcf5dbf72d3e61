import type { Change, EntryNames, Member, Mutation, Refusal } from '$lib/domain/index.ts';
import type { DocRoom } from '../doc-room.ts';
import type { OrgRoom } from '../org-room.ts';
import type { NamedUsers } from './directory.ts';

export type Verdict = { ok: true } | Refusal;

/** Whoever waits for a verdict: told once it is durable (or was given before), or that it could not be made durable. */
export interface Waiter {
	settle(verdict: Verdict): void;
	/** The store failed before the verdict was durable: nothing of it was kept (default: nothing to tell). */
	fail?(err: unknown): void;
	/**
	 * True once this waiter gave up on its mutations (its socket was closed after a failed commit):
	 * what it sent after the failed one is not checked either, since it will be sent again, in order.
	 */
	gone?(): boolean;
}

/** One mutation (or changes no user sent) and its verdict, as checked and applied, then committed. */
export interface Committed<W extends Waiter = Waiter> {
	/** '' for changes no user sent. */
	userId: string;
	id: string;
	/** The mutation's type as sent, for the record when it could not be parsed. */
	type: string;
	mutation: Mutation | undefined;
	verdict: Verdict;
	/** The organization whose activity feed records it: only one the sender belongs to (invariant 10). */
	orgId: string | null;
	/** The names its description mentions, as they were when it was checked (kept with its activity entry). */
	names?: EntryNames;
	room: OrgRoom | undefined;
	changes: readonly Change[];
	/** Each member the changes touch, as it was before them (undefined: not a member), to tell joins, departures and role changes. */
	wasMember: Map<string, Member | undefined>;
	/** The sender's sockets, any that retried it meanwhile, and callers outside a connection. */
	waiters: W[];
}

/** An entry as queued for the next commit: what its check needs, read before the organization's lock is taken. */
export interface Queued<W extends Waiter = Waiter> extends Committed<W> {
	/** The users the mutation names (checked mutations only). */
	users?: NamedUsers;
	/** Why the server sent it on the user's behalf, if the user did not. */
	by?: string;
	steppedUpAt?: number;
	/** Changes no user sent, applied as they are (server changes only). */
	serverChanges?: readonly Change[];
	/** The verdict was recorded before (by another server, meanwhile): given again, neither applied nor recorded. */
	recorded?: boolean;
}

/** What another server committed to an organization, as this one learned it from the log. */
export interface RemoteChanges {
	room: OrgRoom;
	type: string;
	changes: readonly Change[];
}

/** What one group commit made durable: its entries in order, each changed document's update, what others committed meanwhile, and when. */
export interface CommittedBatch<W extends Waiter = Waiter> {
	entries: readonly Committed<W>[];
	updates: readonly { room: OrgRoom; docRoom: DocRoom; update: Uint8Array }[];
	remote: readonly RemoteChanges[];
	at: number;
}
