import type { LoggedChanges, LoggedEntry, Refusal } from '$lib/domain/index.ts';

/**
 * The documents family of the store: each organization's log (its documents' updates, each
 * numbered by the organization's sequence, and the changes each batch made), the mutation
 * records (the idempotency record and the activity feed), who belongs to which organization,
 * the address index of pending invitations and the organizations' webhook URLs. Every method
 * returns a promise, so that a store across the network fits.
 *
 * Several servers may share one store: an organization has one writer at a time (`begin` takes
 * its lock, across every server), and each server learns what the others committed from the log
 * by sequence (`orgLog`), woken by `watch`.
 */
export interface DocumentStore {
	/** A document's stored updates, oldest first. */
	docUpdates(docId: string): Promise<StoredUpdate[]>;
	/** Every stored document whose id starts with `prefix`. */
	docIdsWithPrefix(prefix: string): Promise<string[]>;
	/** What was committed to an organization after sequence `after` (0: all of it), oldest first, and its latest sequence. */
	orgLog(orgId: string, after: number): Promise<OrgLog>;
	/** Each organization's latest sequence (0 for one never committed to), in one read: which copies are behind. */
	heads(orgIds: readonly string[]): Promise<Map<string, number>>;
	/**
	 * Opens a write transaction holding the organizations' write locks (taken in one order, so two
	 * servers never deadlock): what others committed to each since `after`, and the verdicts already
	 * recorded for `mutations`, are read under the locks. Commit or roll back exactly once.
	 */
	begin(orgs: readonly { orgId: string; after: number }[], mutations: readonly MutationKey[]): Promise<StoreTransaction>;
	/**
	 * Calls `listener` with an organization another server committed to (a wake-up only: read the
	 * log), and who joined it then ('*': too many to list). Returns the unsubscribe.
	 */
	watch(listener: (orgId: string, joined: readonly string[] | '*') => void): () => void;
	/** Tells the other servers these sessions ended, so that they close their sockets at once. */
	endSessions(sessionHashes: readonly string[]): Promise<void>;
	/** Calls `listener` with each session another server ended. Returns the unsubscribe. */
	watchSessions(listener: (sessionHash: string) => void): () => void;
	/** Tells the other servers a presence update (an awareness update) for a document; nothing is stored, and a lost one is renewed within 15 s. */
	sharePresence(docId: string, update: Uint8Array): void;
	/** Calls `listener` with each presence update another server shared. Returns the unsubscribe. */
	watchPresence(listener: (docId: string, update: Uint8Array) => void): () => void;
	/**
	 * Up to `limit` of an organization's committed batches of changes after sequence `after`, oldest first:
	 * its history, read a page at a time so that replaying it holds one page.
	 */
	history(orgId: string, after: number, limit: number): Promise<LoggedChanges[]>;
	/** The first verdict given to this mutation id, if it was seen before. */
	mutation(userId: string, id: string): Promise<{ ok: true } | Refusal | undefined>;
	/** One page of an organization's activity, newest first, filtered by what the entries name. */
	activity(orgId: string, filter: ActivityFilter): Promise<ActivityRow[]>;
	/** The organization documents a user belongs to. */
	docsOf(userId: string): Promise<string[]>;
	/** Pending invitations to an address (any case). */
	invitationsFor(email: string): Promise<InvitationRow[]>;
	/** An organization's whole membership-webhook URL (server-only: its path may hold a token). */
	webhook(orgId: string): Promise<string | undefined>;
	/** How the latest delivery to an organization's webhook went, while that webhook is still the one set. */
	lastDelivery(orgId: string): Promise<WebhookDelivery | undefined>;
	/** Keeps a delivery to `url` (the webhook it was posted to) as the organization's latest. */
	recordDelivery(orgId: string, url: string, delivery: WebhookDelivery): Promise<void>;
	/** Forgets a deleted user's memberships (its recorded mutations stay, for the activity feed). */
	forgetUser(userId: string): Promise<void>;
	/**
	 * rules §6: keeps an organization's next moment the expiry run has work in it (null: none), as
	 * worked out from its state at sequence `seq`; where one of a higher sequence is kept, nothing
	 * changes (a server's late write of an older state).
	 */
	keepExpiryDue(orgId: string, dueAt: number | null, seq: number): Promise<void>;
	/** The organizations whose kept expiry moment is at or before `now`, the earliest first. */
	expiryDueBy(now: number): Promise<string[]>;
	/** Whether the expiry moments were once filled from every organization (a store made before them was not). */
	expiryDueFilled(): Promise<boolean>;
	/** Marks the expiry moments filled: the pass over every organization is not made again. */
	markExpiryDueFilled(): Promise<void>;
	/** `begin` for the batch's organizations, then its commit: for writes that need not read first. */
	commit(batch: StoreBatch): Promise<number[]>;
}

export interface MutationKey {
	userId: string;
	id: string;
}

export type RecordedVerdict = { ok: true } | Refusal;

export interface StoreTransaction {
	/** For each locked organization, what was committed after the `after` given. */
	readonly logs: ReadonlyMap<string, OrgLog>;
	/** The verdicts already recorded among the mutations asked about, by `${userId}\u0000${id}`. */
	readonly recorded: ReadonlyMap<string, RecordedVerdict>;
	/** Writes the batch (its organizations must be among the locked ones) and commits: all durable once this resolves, or none. Returns each update's sequence number, in order. */
	commit(batch: StoreBatch): Promise<number[]>;
	/** Gives up the transaction and its locks; nothing of it is written. */
	rollback(): Promise<void>;
}

export interface StoredUpdate {
	seq: number;
	data: Uint8Array;
}

/** What an organization's log holds after some sequence: its documents' updates and each batch's changes, oldest first. */
export interface OrgLog {
	/** The organization's latest sequence (0 when nothing was ever committed to it). */
	head: number;
	updates: (StoredUpdate & { docId: string })[];
	changes: LoggedChanges[];
}

/** One committed batch of changes and its entries: the organization's history (domain/history.ts). */
export type { LoggedChanges, LoggedEntry };

/** One document's update: appended, or (`compactUpTo`) replacing every row up to that sequence number as the document's whole state. */
export interface UpdateWrite {
	orgId: string;
	docId: string;
	data: Uint8Array;
	compactUpTo?: number;
}

export interface MutationRecord {
	userId: string;
	id: string;
	orgId: string | null;
	type: string;
	body: string;
	ok: boolean;
	code: string | null;
	message: string | null;
	/** The names its description mentions as they were then (EntryNames as JSON); null when unparsed or unchecked. */
	names: string | null;
	at: number;
}

/** project_id is '' for an organization invitation; `email` undefined deletes the entry. */
export interface InvitationWrite {
	orgId: string;
	projectId: string;
	inviteId: string;
	email?: string;
}

export interface MembershipWrite {
	userId: string;
	docId: string;
	member: boolean;
}

/** `url` null deletes the webhook. */
export interface WebhookWrite {
	orgId: string;
	url: string | null;
}

/** One POST to a webhook: when, and the HTTP status it answered or, without one, why it failed (a sentence). */
export interface WebhookDelivery {
	at: number;
	status: number | null;
	error: string | null;
}

/** The changes a batch made to one organization, logged beside its updates so other servers learn whose access they touch. */
export interface ChangesWrite {
	orgId: string;
	at: number;
	entries: LoggedEntry[];
}

/** What one group commit writes, in this order. Each update gets the next sequence of its organization (rising, not necessarily by one); `changes` are numbered by the last update of their organization in the batch. */
export interface StoreBatch {
	updates: UpdateWrite[];
	changes: ChangesWrite[];
	mutations: MutationRecord[];
	invitations: InvitationWrite[];
	memberships: MembershipWrite[];
	webhooks: WebhookWrite[];
}

export const emptyBatch = (): StoreBatch => ({ updates: [], changes: [], mutations: [], invitations: [], memberships: [], webhooks: [] });

/** A row of org_changes as both stores read it. */
export interface ChangesRow {
	seq: number | string;
	body: string;
	at: number | string | null;
}

/** A row of org_changes as the log answers it: no `at` for a batch logged before times were kept. */
export const loggedChanges = (r: ChangesRow): LoggedChanges => ({
	seq: Number(r.seq),
	...(r.at !== null && { at: Number(r.at) }),
	entries: JSON.parse(r.body) as LoggedEntry[]
});

export const mutationKey = (k: MutationKey) => `${k.userId}\u0000${k.id}`;

export interface InvitationRow {
	org_id: string;
	project_id: string;
	invite_id: string;
}

export interface ActivityFilter {
	user?: { id: string; username: string };
	teamId?: string;
	projectId?: string;
	kind?: string;
	before?: number;
	limit: number;
}

export interface ActivityRow {
	seq: number;
	user_id: string;
	username: string | null;
	type: string;
	body: string;
	ok: number;
	code: string | null;
	message: string | null;
	names: string | null;
	at: number;
}
