import type Database from 'better-sqlite3';
import { parseDocId } from '$lib/protocol/messages.ts';

/** The documents family's tables in SQLite (sqlite-documents.ts), made and migrated in place. */

// The sequence is the file's, rising across organizations: it rises within each, which is all the log needs.
const SCHEMA = `
create table if not exists doc_updates (
	seq integer primary key autoincrement,
	doc_id text not null,
	data blob not null,
	org_id text
);
create index if not exists doc_updates_doc on doc_updates(doc_id, seq);
create table if not exists org_heads (
	org_id text primary key,
	seq integer not null
) without rowid;
-- Each batch's changes to an organization (JSON), numbered by its last update: what other servers read to re-check access,
-- and the organization's history (at: when it was committed; null in batches logged before it was kept).
create table if not exists org_changes (
	org_id text not null,
	seq integer not null,
	body text not null,
	at integer,
	primary key (org_id, seq)
) without rowid;
create table if not exists memberships (
	user_id text not null,
	doc_id text not null,
	primary key (user_id, doc_id)
) without rowid;
-- Every mutation and its verdict: the idempotency record and the activity log (names: what it mentions, as it was then).
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
	names text,
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
-- The latest delivery to each organization's webhook, with the URL it went to: one to a webhook since replaced is not shown.
create table if not exists webhook_deliveries (
	org_id text primary key,
	url text not null,
	at integer not null,
	status integer,
	error text
) without rowid;
`;

const hasColumn = (db: Database.Database, table: string, column: string) =>
	(db.prepare('select name from pragma_table_info(?)').all(table) as { name: string }[]).some((c) => c.name === column);

/**
 * A store made before organization logs: its updates get their organization, and each organization its head.
 * One made before activity entries kept their names: its entries have none (the feed shows current names for them).
 * One made before the history kept times: its logged changes have none (history starts at the first timed batch).
 */
function migrate(db: Database.Database) {
	if (!hasColumn(db, 'mutations', 'names')) db.exec('alter table mutations add column names text');
	if (!hasColumn(db, 'org_changes', 'at')) db.exec('alter table org_changes add column at integer');
	if (!hasColumn(db, 'doc_updates', 'org_id')) db.exec('alter table doc_updates add column org_id text');
	db.exec('create index if not exists doc_updates_org on doc_updates(org_id, seq)');
	const unplaced = db.prepare('select distinct doc_id from doc_updates where org_id is null').all() as { doc_id: string }[];
	if (!unplaced.length) return;
	db.transaction(() => {
		const place = db.prepare('update doc_updates set org_id = ? where doc_id = ?');
		for (const { doc_id } of unplaced) place.run(parseDocId(doc_id)?.orgId ?? '', doc_id);
		db.exec('insert or replace into org_heads select org_id, max(seq) from doc_updates group by org_id');
	})();
}

/** Makes the documents family's tables, or brings an older store's up to date. */
export function makeDocumentTables(db: Database.Database) {
	db.exec(SCHEMA);
	migrate(db);
}
