import type Database from 'better-sqlite3';
import type { RefusalCode } from '$lib/domain/index.ts';
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
import { SqliteExpiryDue } from './sqlite-expiry-due.ts';
import { makeDocumentTables } from './sqlite-documents-sql.ts';

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
	private readonly due: SqliteExpiryDue;

	constructor(private readonly db: Database.Database) {
		makeDocumentTables(db);
		this.due = new SqliteExpiryDue(db);
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

	async keepExpiryDue(orgId: string, dueAt: number | null, seq: number): Promise<void> {
		this.due.keep(orgId, dueAt, seq);
	}

	async expiryDueBy(now: number): Promise<string[]> {
		return this.due.dueBy(now);
	}

	async expiryDueFilled(): Promise<boolean> {
		return this.due.filled();
	}

	async markExpiryDueFilled(): Promise<void> {
		this.due.markFilled();
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
