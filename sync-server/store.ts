import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Refusal, RefusalCode } from '$lib/domain/index.ts';
import { SqliteAccounts } from './storage/sqlite-accounts.ts';

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

const SCHEMA = `
create table if not exists doc_updates (
	seq integer primary key autoincrement,
	doc_id text not null,
	data blob not null
);
create index if not exists doc_updates_doc on doc_updates(doc_id, seq);
create table if not exists memberships (
	user_id text not null,
	doc_id text not null,
	primary key (user_id, doc_id)
) without rowid;
-- Every mutation and its verdict: the idempotency record and the activity log.
create table if not exists mutations (
	user_id text not null,
	id text not null,
	org_id text,
	type text not null,
	body text not null,
	ok integer not null,
	code text,
	message text,
	at integer not null,
	primary key (user_id, id)
);
create index if not exists mutations_org on mutations(org_id, at);
-- Pending invitations by address, so a verified address finds its invitations without opening every organization.
-- Kept in the same transaction as the documents that hold them; project_id is '' for an organization invitation.
create table if not exists invitations (
	org_id text not null,
	project_id text not null,
	invite_id text not null,
	email text not null collate nocase,
	primary key (org_id, project_id, invite_id)
) without rowid;
create index if not exists invitations_email on invitations(email collate nocase);
-- Each organization's whole membership-webhook URL: server-only, as its path may hold a token (the document keeps its host).
create table if not exists org_webhooks (
	org_id text primary key,
	url text not null
) without rowid;
`;

export interface InvitationRow {
	org_id: string;
	project_id: string;
	invite_id: string;
}

type Row = Record<string, unknown>;

/**
 * The embedded store: one SQLite file under the data directory. Writes are durable (synchronous=FULL) on commit.
 * The accounts family is SqliteAccounts'; the documents, memberships, invitations and mutations are here.
 */
export class Store extends SqliteAccounts {
	private readonly docs;

	constructor(dataDir: string) {
		mkdirSync(dataDir, { recursive: true });
		const db = new Database(join(dataDir, 'roster.sqlite'));
		db.pragma('journal_mode = WAL');
		db.pragma('synchronous = FULL');
		db.pragma('foreign_keys = ON');
		db.pragma('busy_timeout = 5000');
		// Deleted rows (spent recovery codes, turned-off secrets) are zeroed where that costs no extra writes.
		db.pragma('secure_delete = FAST');
		super(db, dataDir);
		db.exec(SCHEMA);
		this.docs = {
			deleteMemberships: db.prepare('delete from memberships where user_id = ?'),
			docUpdates: db.prepare('select seq, data from doc_updates where doc_id = ? order by seq'),
			insertUpdate: db.prepare('insert into doc_updates (doc_id, data) values (?, ?)'),
			deleteUpdatesUpTo: db.prepare('delete from doc_updates where doc_id = ? and seq <= ?'),
			docIdsInRange: db.prepare('select distinct doc_id from doc_updates where doc_id >= ? and doc_id < ?'),
			docsOf: db.prepare('select doc_id from memberships where user_id = ?'),
			addMembership: db.prepare('insert or ignore into memberships values (?, ?)'),
			removeMembership: db.prepare('delete from memberships where user_id = ? and doc_id = ?'),
			putInvitation: db.prepare('insert or replace into invitations values (?, ?, ?, ?)'),
			deleteInvitation: db.prepare('delete from invitations where org_id = ? and project_id = ? and invite_id = ?'),
			invitationsFor: db.prepare('select org_id, project_id, invite_id from invitations where email = ? collate nocase'),
			mutation: db.prepare('select * from mutations where user_id = ? and id = ?'),
			webhook: db.prepare('select url from org_webhooks where org_id = ?'),
			setWebhook: db.prepare('insert or replace into org_webhooks values (?, ?)'),
			deleteWebhook: db.prepare('delete from org_webhooks where org_id = ?'),
			insertMutation: db.prepare(
				'insert into mutations values (@userId, @id, @orgId, @type, @body, @ok, @code, @message, @at)'
			)
		};
	}

	close() {
		this.db.close();
	}

	/** Forgets a deleted user's memberships; its recorded mutations stay, for the activity feed. */
	forgetUser(userId: string) {
		this.docs.deleteMemberships.run(userId);
	}

	docUpdates(docId: string) {
		return this.docs.docUpdates.all(docId) as { seq: number; data: Buffer }[];
	}
	/** Returns the new row's sequence number. */
	appendUpdate(docId: string, data: Uint8Array): number {
		return Number(this.docs.insertUpdate.run(docId, data).lastInsertRowid);
	}
	/** Replaces a document's update log by one merged update (call inside a transaction). */
	compact(docId: string, upToSeq: number, merged: Uint8Array): number {
		this.docs.deleteUpdatesUpTo.run(docId, upToSeq);
		return this.appendUpdate(docId, merged);
	}

	docIdsWithPrefix(prefix: string): string[] {
		const rows = this.docs.docIdsInRange.all(prefix, `${prefix}\u{10ffff}`) as { doc_id: string }[];
		return rows.map((r) => r.doc_id);
	}

	docsOf(userId: string): string[] {
		return (this.docs.docsOf.all(userId) as { doc_id: string }[]).map((r) => r.doc_id);
	}
	addMembership(userId: string, docId: string) {
		this.docs.addMembership.run(userId, docId);
	}
	removeMembership(userId: string, docId: string) {
		this.docs.removeMembership.run(userId, docId);
	}

	putInvitation(orgId: string, projectId: string, inviteId: string, email: string) {
		this.docs.putInvitation.run(orgId, projectId, inviteId, email.trim());
	}
	deleteInvitation(orgId: string, projectId: string, inviteId: string) {
		this.docs.deleteInvitation.run(orgId, projectId, inviteId);
	}
	invitationsFor(email: string): InvitationRow[] {
		return this.docs.invitationsFor.all(email.trim()) as InvitationRow[];
	}

	webhook(orgId: string): string | undefined {
		return (this.docs.webhook.get(orgId) as { url: string } | undefined)?.url;
	}
	setWebhook(orgId: string, url: string | null) {
		if (url) this.docs.setWebhook.run(orgId, url);
		else this.docs.deleteWebhook.run(orgId);
	}

	/** One page of an organization's activity, newest first, filtered by what the entries name. */
	activity(orgId: string, f: ActivityFilter): ActivityRow[] {
		const where = ['m.org_id = ?'];
		const args: (string | number)[] = [orgId];
		const add = (clause: string, ...values: (string | number)[]) => {
			where.push(clause);
			args.push(...values);
		};
		if (f.user) {
			add(
				"(m.user_id = ? or json_extract(m.body, '$.userId') = ? or json_extract(m.body, '$.username') = ?)",
				f.user.id,
				f.user.id,
				f.user.username
			);
		}
		if (f.teamId) add("json_extract(m.body, '$.teamId') = ?", f.teamId);
		if (f.projectId) add("json_extract(m.body, '$.projectId') = ?", f.projectId);
		if (f.kind) add("(m.type = ? or m.type like ? escape '!')", f.kind, `${f.kind.replace(/[!%_]/g, '!$&')}.%`);
		if (f.before) add('m.rowid < ?', f.before);
		const sql = `select m.rowid as seq, m.user_id, u.username, m.type, m.body, m.ok, m.code, m.message, m.at
			from mutations m left join users u on u.id = m.user_id
			where ${where.join(' and ')} order by m.rowid desc limit ?`;
		return this.db.prepare(sql).all(...args, f.limit) as ActivityRow[];
	}

	/** The first verdict given to this mutation id, if it was seen before. */
	mutation(userId: string, id: string): { ok: true } | Refusal | undefined {
		const row = this.docs.mutation.get(userId, id) as Row | undefined;
		if (!row) return undefined;
		return row.ok === 1 ? { ok: true } : { ok: false, code: row.code as RefusalCode, message: row.message as string };
	}
	recordMutation(r: MutationRecord) {
		this.docs.insertMutation.run({ ...r, ok: r.ok ? 1 : 0 });
	}
}
