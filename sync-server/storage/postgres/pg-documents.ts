import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { RefusalCode } from '$lib/domain/index.ts';
import {
	loggedChanges,
	mutationKey,
	type ActivityFilter,
	type ActivityRow,
	type ChangesRow,
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
} from '../documents.ts';
import { notifyCommitted, orgsOf, writeBatch } from './pg-batch.ts';
import * as due from './pg-expiry-due.ts';
import { CommitWatcher, PRESENCE_CHANNEL, presencePayload, SESSIONS_CHANNEL, type CommitListener } from './pg-watch.ts';
import { prepared, rollback } from './pool.ts';

/** Each organization's log after its `after`, and its head, in one statement: one snapshot, so never a head without its rows. */
const LOG = `with k as (select * from unnest($1::text[], $2::bigint[]) as k(org_id, after))
	select k.org_id, 'u' as kind, d.seq, d.doc_id, d.data, null as body, null::bigint as at from k join doc_updates d on d.org_id = k.org_id and d.seq > k.after
	union all select k.org_id, 'c', c.seq, null, null, c.body, c.at from k join org_changes c on c.org_id = k.org_id and c.seq > k.after
	union all select h.org_id, 'h', h.seq, null, null, null, null from k join org_heads h on h.org_id = k.org_id
	order by 1, 3`;

type LogRow = { org_id: string; kind: 'u' | 'c' | 'h'; seq: number; doc_id: string; data: Buffer; body: string; at: number | null };

async function readLogs(c: pg.Pool | pg.PoolClient, orgs: readonly { orgId: string; after: number }[]): Promise<Map<string, OrgLog>> {
	const logs = new Map<string, OrgLog>(orgs.map((o) => [o.orgId, { head: 0, updates: [], changes: [] }]));
	const { rows } = await c.query<LogRow>(prepared(LOG, [orgs.map((o) => o.orgId), orgs.map((o) => o.after)]));
	for (const r of rows) {
		const log = logs.get(r.org_id)!;
		if (r.kind === 'h') log.head = r.seq;
		else if (r.kind === 'u') log.updates.push({ seq: r.seq, docId: r.doc_id, data: r.data });
		else log.changes.push(loggedChanges(r));
	}
	return logs;
}

type VerdictRow = { user_id: string; id: string; ok: boolean; code: RefusalCode; message: string };
const verdict = (r: VerdictRow): RecordedVerdict => (r.ok ? { ok: true } : { ok: false, code: r.code, message: r.message });

/**
 * The organizations' write locks, across every server on the database (and only this schema's
 * store), and a lock per user whose mutation ids the transaction records: one id sent to two
 * servers naming two organizations is then recorded by one of them, the other finding it
 * recorded. Taken in the order of their keys on every server, so that two never wait for each other
 * (the locks are evaluated after the sort, being volatile).
 */
const LOCK = `select pg_advisory_xact_lock(k) from (
		select hashtextextended('roster org ' || current_schema() || ' ' || o, 0) as k from unnest($1::text[]) as o
		union select hashtextextended('roster user ' || current_schema() || ' ' || u, 0) from unnest($2::text[]) as u
	) as locks order by k`;

/**
 * The documents family on PostgreSQL, shared by every server on the database. A write holds
 * its organizations' advisory locks from `begin` to commit; the sequence is bumped under them,
 * and the commit notifies the other servers (see CommitWatcher).
 */
export class PgDocuments implements DocumentStore {
	/** Names this store's commits in notifications, so that it ignores its own. */
	readonly instanceId = randomUUID();
	private readonly watcher: CommitWatcher;

	constructor(
		private readonly pool: pg.Pool,
		url: string
	) {
		this.watcher = new CommitWatcher(url, this.instanceId);
	}

	async docUpdates(docId: string): Promise<StoredUpdate[]> {
		return (await this.pool.query<StoredUpdate>('select seq, data from doc_updates where doc_id = $1 order by seq', [docId])).rows;
	}

	async docIdsWithPrefix(prefix: string): Promise<string[]> {
		const { rows } = await this.pool.query<{ doc_id: string }>(
			'select distinct doc_id from doc_updates where doc_id >= $1 and doc_id < $2',
			[prefix, `${prefix}\u{10ffff}`]
		);
		return rows.map((r) => r.doc_id);
	}

	async heads(orgIds: readonly string[]): Promise<Map<string, number>> {
		const { rows } = await this.pool.query<{ org_id: string; seq: number }>(
			prepared('select org_id, seq from org_heads where org_id = any($1::text[])', [orgIds])
		);
		const found = new Map(rows.map((r) => [r.org_id, r.seq]));
		return new Map(orgIds.map((orgId) => [orgId, found.get(orgId) ?? 0]));
	}

	async orgLog(orgId: string, after: number): Promise<OrgLog> {
		return (await readLogs(this.pool, [{ orgId, after }])).get(orgId)!;
	}

	begin(orgs: readonly { orgId: string; after: number }[], mutations: readonly MutationKey[]): Promise<StoreTransaction> {
		return this.open(orgs, mutations, true);
	}

	async commit(batch: StoreBatch): Promise<number[]> {
		const tx = await this.open(
			orgsOf(batch).map((orgId) => ({ orgId, after: 0 })),
			[],
			false
		);
		return tx.commit(batch);
	}

	private async open(
		orgs: readonly { orgId: string; after: number }[],
		keys: readonly MutationKey[],
		read: boolean
	): Promise<StoreTransaction> {
		const locked = new Set(orgs.map((o) => o.orgId));
		const client = await this.pool.connect();
		let logs = new Map<string, OrgLog>();
		const recorded = new Map<string, RecordedVerdict>();
		try {
			await client.query('begin');
			// One order on every server, so that two never wait for each other.
			const users = [...new Set(keys.map((k) => k.userId))];
			if (locked.size || users.length) await client.query(prepared(LOCK, [[...locked], users]));
			if (read && orgs.length) logs = await readLogs(client, orgs);
			if (keys.length) {
				const { rows } = await client.query<VerdictRow>(
					prepared(
						`select m.user_id, m.id, m.ok, m.code, m.message from mutations m
						 join unnest($1::text[], $2::text[]) as k(user_id, id) on m.user_id = k.user_id and m.id = k.id`,
						[keys.map((k) => k.userId), keys.map((k) => k.id)]
					)
				);
				for (const r of rows) recorded.set(mutationKey({ userId: r.user_id, id: r.id }), verdict(r));
			}
		} catch (err) {
			await rollback(client, err);
			throw err;
		}
		let done = false;
		const finish = () => {
			if (done) throw new Error('This store transaction was already committed or rolled back.');
			done = true;
		};
		return {
			logs,
			recorded,
			commit: async (batch) => {
				finish();
				try {
					const stray = orgsOf(batch).find((o) => !locked.has(o));
					if (stray !== undefined) throw new Error(`The batch writes to organization ${stray}, whose lock this transaction does not hold.`);
					const seqs = await writeBatch(client, batch);
					await client.query('commit');
					// Durable: the wake-up goes out after, not awaited (a lost one only waits for the others' catch-up).
					void notifyCommitted(client, batch, this.instanceId).then(
						() => client.release(),
						(err: unknown) => {
							console.error('Other servers could not be woken; they catch up within seconds.', err);
							client.release(err instanceof Error ? err : true);
						}
					);
					return seqs;
				} catch (err) {
					await rollback(client, err);
					throw err;
				}
			},
			rollback: async () => {
				finish();
				await rollback(client);
			}
		};
	}

	watch(listener: CommitListener): () => void {
		return this.watcher.watch(listener);
	}

	async endSessions(sessionHashes: readonly string[]): Promise<void> {
		if (!sessionHashes.length) return;
		await this.pool.query(
			prepared(`select pg_notify($1, $2 || ' ' || h) from unnest($3::text[]) as h`, [SESSIONS_CHANNEL, this.instanceId, sessionHashes])
		);
	}

	watchSessions(listener: (sessionHash: string) => void): () => void {
		return this.watcher.watchSessions(listener);
	}

	/** Outside any transaction, and never awaited: presence is best effort (a lost update is renewed), and a failure is only logged. */
	sharePresence(docId: string, update: Uint8Array): void {
		const payload = presencePayload(this.instanceId, docId, update);
		if (!payload) return;
		this.pool
			.query(prepared('select pg_notify($1, $2)', [PRESENCE_CHANNEL, payload]))
			.catch((err: unknown) => console.error('A presence update could not be shared with the other servers.', err));
	}

	watchPresence(listener: (docId: string, update: Uint8Array) => void): () => void {
		return this.watcher.watchPresence(listener);
	}

	/** Resolves once the wake-up connection listens. */
	watching(): Promise<void> {
		return this.watcher.ready;
	}

	async history(orgId: string, after: number, limit: number): Promise<LoggedChanges[]> {
		const sql = 'select seq, body, at from org_changes where org_id = $1 and seq > $2 order by seq limit $3';
		return (await this.pool.query<ChangesRow>(prepared(sql, [orgId, after, limit]))).rows.map(loggedChanges);
	}

	async mutation(userId: string, id: string) {
		const { rows } = await this.pool.query<VerdictRow>(
			'select user_id, id, ok, code, message from mutations where user_id = $1 and id = $2',
			[userId, id]
		);
		return rows[0] && verdict(rows[0]);
	}

	async activity(orgId: string, f: ActivityFilter): Promise<ActivityRow[]> {
		const args: unknown[] = [orgId];
		const arg = (value: unknown) => `$${args.push(value)}`;
		const where = ['m.org_id = $1'];
		const field = (name: string) => `(m.body::jsonb ->> '${name}')`;
		if (f.user) {
			const id = arg(f.user.id);
			where.push(`(m.user_id = ${id} or ${field('userId')} = ${id} or ${field('username')} = ${arg(f.user.username)})`);
		}
		if (f.teamId) where.push(`${field('teamId')} = ${arg(f.teamId)}`);
		if (f.projectId) where.push(`${field('projectId')} = ${arg(f.projectId)}`);
		if (f.kind) where.push(`(m.type = ${arg(f.kind)} or m.type like ${arg(`${f.kind.replace(/[!%_]/g, '!$&')}.%`)} escape '!')`);
		if (f.before) where.push(`m.seq < ${arg(f.before)}`);
		const sql = `select m.seq, m.user_id, u.username, m.type, m.body, m.ok::int as ok, m.code, m.message, m.names, m.at
			from mutations m left join users u on u.id = m.user_id
			where ${where.join(' and ')} order by m.seq desc limit ${arg(f.limit)}`;
		return (await this.pool.query<ActivityRow>(sql, args)).rows;
	}

	async docsOf(userId: string): Promise<string[]> {
		return (await this.pool.query<{ doc_id: string }>('select doc_id from memberships where user_id = $1', [userId])).rows.map(
			(r) => r.doc_id
		);
	}

	async invitationsFor(email: string): Promise<InvitationRow[]> {
		const sql = 'select org_id, project_id, invite_id from invitations where lower(email) = lower($1)';
		return (await this.pool.query<InvitationRow>(sql, [email.trim()])).rows;
	}

	async webhook(orgId: string): Promise<string | undefined> {
		return (await this.pool.query<{ url: string }>('select url from org_webhooks where org_id = $1', [orgId])).rows[0]?.url;
	}

	async lastDelivery(orgId: string): Promise<WebhookDelivery | undefined> {
		const sql = `select d.at, d.status, d.error from webhook_deliveries d
			join org_webhooks w on w.org_id = d.org_id and w.url = d.url where d.org_id = $1`;
		const row = (await this.pool.query<{ at: string; status: number | null; error: string | null }>(sql, [orgId])).rows[0];
		return row && { at: Number(row.at), status: row.status, error: row.error };
	}

	async recordDelivery(orgId: string, url: string, d: WebhookDelivery): Promise<void> {
		await this.pool.query(
			`insert into webhook_deliveries (org_id, url, at, status, error) values ($1, $2, $3, $4, $5)
			 on conflict (org_id) do update set url = excluded.url, at = excluded.at, status = excluded.status, error = excluded.error`,
			[orgId, url, d.at, d.status, d.error]
		);
	}

	async forgetUser(userId: string): Promise<void> {
		await this.pool.query('delete from memberships where user_id = $1', [userId]);
	}

	// rules §6: the expiry moments (pg-expiry-due.ts).
	keepExpiryDue = (orgId: string, dueAt: number | null, seq: number) => due.keepExpiryDue(this.pool, orgId, dueAt, seq);
	expiryDueBy = (now: number) => due.expiryDueBy(this.pool, now);
	expiryDueFilled = () => due.expiryDueFilled(this.pool);
	markExpiryDueFilled = () => due.markExpiryDueFilled(this.pool);

	/** Stops the wake-up connection (the pool is its opener's). */
	close() {
		this.watcher.close();
	}
}
