import type { Refusal } from '$lib/domain/index.ts';

/**
 * The documents family of the store: each document's update log, the mutation records (the
 * idempotency record and the activity feed), who belongs to which organization, the address
 * index of pending invitations and the organizations' webhook URLs. Every method returns a
 * promise, so that a store across the network fits; `commit` writes a whole batch at once.
 */
export interface DocumentStore {
	/** A document's stored updates, oldest first. */
	docUpdates(docId: string): Promise<StoredUpdate[]>;
	/** Every stored document whose id starts with `prefix`. */
	docIdsWithPrefix(prefix: string): Promise<string[]>;
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
	/** Forgets a deleted user's memberships (its recorded mutations stay, for the activity feed). */
	forgetUser(userId: string): Promise<void>;
	/** Writes a batch in one transaction: all of it is durable once this resolves, or none of it. Returns each update's sequence number, in order. */
	commit(batch: StoreBatch): Promise<number[]>;
}

export interface StoredUpdate {
	seq: number;
	data: Uint8Array;
}

/** One document's update: appended, or (`compactUpTo`) replacing every row up to that sequence number as the document's whole state. */
export interface UpdateWrite {
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

/** What one group commit writes, in this order. */
export interface StoreBatch {
	updates: UpdateWrite[];
	mutations: MutationRecord[];
	invitations: InvitationWrite[];
	memberships: MembershipWrite[];
	webhooks: WebhookWrite[];
}

export const emptyBatch = (): StoreBatch => ({ updates: [], mutations: [], invitations: [], memberships: [], webhooks: [] });

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
	at: number;
}
