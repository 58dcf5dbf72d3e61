import type Database from 'better-sqlite3';
import type { RefusalCode } from '$lib/domain/index.ts';
import { parseDocId } from '$lib/protocol/messages.ts';
import {
	loggedChanges,
	mutationKey,
	type ActivityFilter,
	type ChangesRow,
	type ActivityRow,
	type DocumentStore,
	type InvitationRow,
	type LoggedChanges,
	type MutationKey,
	type OrgLog,
	type RecordedVerdict,
	type StoreBatch,
	type StoredUpdate,
	type StoreTransaction,
	type WebhookDelivery
} from './documents.ts';
import { OrgLocks } from './org-locks.ts';

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

/**
 * The documents family in the SQLite file the accounts live in (the activity feed names each
 * entry's user from the users table). better-sqlite3 answers at once; the promises only keep
 * the interface an asynchronous store can implement too. One process writes the file, so the
 * organizations' write locks are this process's (OrgLocks) and nobody else commits: `watch`
 * never calls.
 */
export class SqliteDocuments implements DocumentStore {
	private readonly q;
	private readonly locks = new OrgLocks();

	constructor(private readonly db: Database.Database) {
		db.exec(SCHEMA);
		migrate(db);
		this.q = {
			docUpdates: db.prepare('select seq, data from doc_updates where doc_id = ? order by seq'),
			orgUpdates: db.prepare('select seq, doc_id as docId, data from doc_updates where org_id = ? and seq > ? order by seq'),
			orgChanges: db.prepare('select seq, body, at from org_changes where org_id = ? and seq > ? order by seq'),
			history: db.prepare('select seq, body, at from org_changes where org_id = ? and seq > ? order by seq limit ?'),
			head: db.prepare('select seq from org_heads where org_id = ?'),
			setHead: db.prepare('insert or replace into org_heads values (?, ?)'),
			insertChanges: db.prepare('insert into org_changes (org_id, seq, body, at) values (?, ?, ?, ?)'),
			insertUpdate: db.prepare('insert into doc_updates (doc_id, data, org_id) values (?, ?, ?)'),
			deleteUpdatesUpTo: db.prepare('delete from doc_updates where doc_id = ? and seq <= ?'),
			docIdsInRange: db.prepare('select distinct doc_id from doc_updates where doc_id >= ? and doc_id < ?'),
			docsOf: db.prepare('select doc_id from memberships where user_id = ?'),
			addMembership: db.prepare('insert or ignore into memberships values (?, ?)'),
			removeMembership: db.prepare('delete from memberships where user_id = ? and doc_id = ?'),
			forgetUser: db.prepare('delete from memberships where user_id = ?'),
			putInvitation: db.prepare('insert or replace into invitations values (?, ?, ?, ?)'),
			deleteInvitation: db.prepare('delete from invitations where org_id = ? and project_id = ? and invite_id = ?'),
			invitationsFor: db.prepare('select org_id, project_id, invite_id from invitations where email = ? collate nocase'),
			mutation: db.prepare('select ok, code, message from mutations where user_id = ? and id = ?'),
			insertMutation: db.prepare(
				'insert into mutations (user_id, id, org_id, type, body, ok, code, message, at, names) values (@userId, @id, @orgId, @type, @body, @ok, @code, @message, @at, @names)'
			),
			webhook: db.prepare('select url from org_webhooks where org_id = ?'),
			setWebhook: db.prepare('insert or replace into org_webhooks values (?, ?)'),
			deleteWebhook: db.prepare('delete from org_webhooks where org_id = ?'),
			lastDelivery: db.prepare(
				'select d.at, d.status, d.error from webhook_deliveries d join org_webhooks w on w.org_id = d.org_id and w.url = d.url where d.org_id = ?'
			),
			recordDelivery: db.prepare('insert or replace into webhook_deliveries values (?, ?, ?, ?, ?)')
		};
	}

	async docUpdates(docId: string): Promise<StoredUpdate[]> {
		return this.q.docUpdates.all(docId) as { seq: number; data: Buffer }[];
	}

	async heads(orgIds: readonly string[]): Promise<Map<string, number>> {
		return new Map(orgIds.map((orgId) => [orgId, (this.q.head.get(orgId) as { seq: number } | undefined)?.seq ?? 0]));
	}

	async orgLog(orgId: string, after: number): Promise<OrgLog> {
		return this.readLog(orgId, after);
	}

	private readLog(orgId: string, after: number): OrgLog {
		return this.db.transaction(() => ({
			head: (this.q.head.get(orgId) as { seq: number } | undefined)?.seq ?? 0,
			updates: this.q.orgUpdates.all(orgId, after) as OrgLog['updates'],
			changes: (this.q.orgChanges.all(orgId, after) as ChangesRow[]).map(loggedChanges)
		}))();
	}

	async history(orgId: string, after: number, limit: number): Promise<LoggedChanges[]> {
		return (this.q.history.all(orgId, after, limit) as ChangesRow[]).map(loggedChanges);
	}

	async begin(orgs: readonly { orgId: string; after: number }[], keys: readonly MutationKey[]): Promise<StoreTransaction> {
		const release = await this.locks.acquire(orgs.map((o) => o.orgId));
		let open = true;
		const finish = () => {
			if (!open) throw new Error('This store transaction has ended already.');
			open = false;
			release();
		};
		try {
			const logs = new Map(orgs.map((o) => [o.orgId, this.readLog(o.orgId, o.after)]));
			const recorded = new Map<string, RecordedVerdict>();
			for (const k of keys) {
				const verdict = this.recordedVerdict(k.userId, k.id);
				if (verdict) recorded.set(mutationKey(k), verdict);
			}
			return {
				logs,
				recorded,
				commit: async (batch) => {
					finish();
					return this.write(batch);
				},
				rollback: async () => finish()
			};
		} catch (err) {
			release();
			throw err;
		}
	}

	watch(): () => void {
		return () => {};
	}

	/** One process: its sessions end here (SyncHub.endSession) and nowhere else. */
	async endSessions(): Promise<void> {}

	watchSessions(): () => void {
		return () => {};
	}

	/** One process: presence is all here (sync/presence.ts). */
	sharePresence(): void {}

	watchPresence(): () => void {
		return () => {};
	}

	async docIdsWithPrefix(prefix: string): Promise<string[]> {
		const rows = this.q.docIdsInRange.all(prefix, `${prefix}\u{10ffff}`) as { doc_id: string }[];
		return rows.map((r) => r.doc_id);
	}

	async mutation(userId: string, id: string) {
		return this.recordedVerdict(userId, id);
	}

	private recordedVerdict(userId: string, id: string): RecordedVerdict | undefined {
		const row = this.q.mutation.get(userId, id) as { ok: number; code: RefusalCode; message: string } | undefined;
		if (!row) return undefined;
		return row.ok === 1 ? { ok: true as const } : { ok: false as const, code: row.code, message: row.message };
	}

	async activity(orgId: string, f: ActivityFilter): Promise<ActivityRow[]> {
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
		const sql = `select m.rowid as seq, m.user_id, u.username, m.type, m.body, m.ok, m.code, m.message, m.names, m.at
			from mutations m left join users u on u.id = m.user_id
			where ${where.join(' and ')} order by m.rowid desc limit ?`;
		return this.db.prepare(sql).all(...args, f.limit) as ActivityRow[];
	}

	async docsOf(userId: string): Promise<string[]> {
		return (this.q.docsOf.all(userId) as { doc_id: string }[]).map((r) => r.doc_id);
	}

	async invitationsFor(email: string): Promise<InvitationRow[]> {
		return this.q.invitationsFor.all(email.trim()) as InvitationRow[];
	}

	async webhook(orgId: string): Promise<string | undefined> {
		return (this.q.webhook.get(orgId) as { url: string } | undefined)?.url;
	}

	async lastDelivery(orgId: string): Promise<WebhookDelivery | undefined> {
		return this.q.lastDelivery.get(orgId) as WebhookDelivery | undefined;
	}

	async recordDelivery(orgId: string, url: string, d: WebhookDelivery): Promise<void> {
		this.q.recordDelivery.run(orgId, url, d.at, d.status, d.error);
	}

	async forgetUser(userId: string): Promise<void> {
		this.q.forgetUser.run(userId);
	}

	async commit(batch: StoreBatch): Promise<number[]> {
		const orgIds = new Set([...batch.updates, ...batch.changes].map((w) => w.orgId));
		const tx = await this.begin(
			[...orgIds].map((orgId) => ({ orgId, after: Number.MAX_SAFE_INTEGER })),
			[]
		);
		return tx.commit(batch);
	}

	private write(batch: StoreBatch): number[] {
		return this.db.transaction(() => {
			const heads = new Map<string, number>();
			const seqs = batch.updates.map((u) => {
				if (u.compactUpTo !== undefined) this.q.deleteUpdatesUpTo.run(u.docId, u.compactUpTo);
				const seq = Number(this.q.insertUpdate.run(u.docId, u.data, u.orgId).lastInsertRowid);
				heads.set(u.orgId, seq);
				return seq;
			});
			for (const [orgId, seq] of heads) this.q.setHead.run(orgId, seq);
			for (const c of batch.changes) {
				const seq = heads.get(c.orgId);
				if (seq !== undefined && c.entries.length) this.q.insertChanges.run(c.orgId, seq, JSON.stringify(c.entries), c.at);
			}
			for (const r of batch.mutations) this.q.insertMutation.run({ ...r, ok: r.ok ? 1 : 0 });
			for (const i of batch.invitations) {
				if (i.email === undefined) this.q.deleteInvitation.run(i.orgId, i.projectId, i.inviteId);
				else this.q.putInvitation.run(i.orgId, i.projectId, i.inviteId, i.email.trim());
			}
			for (const m of batch.memberships) {
				if (m.member) this.q.addMembership.run(m.userId, m.docId);
				else this.q.removeMembership.run(m.userId, m.docId);
			}
			for (const w of batch.webhooks) {
				if (w.url) this.q.setWebhook.run(w.orgId, w.url);
				else this.q.deleteWebhook.run(w.orgId);
			}
			return seqs;
		})();
	}
}
