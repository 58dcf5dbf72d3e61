import type pg from 'pg';
import { prepared } from './pool.ts';

/** rules §6: the SQL of PgDocuments' expiry methods (DocumentStore; the tables are migration 0009's). */

const FILLED = 'expiry_due_filled';

const KEEP = `insert into org_expiry_due (org_id, due_at, seq) values ($1, $2, $3)
	on conflict (org_id) do update set due_at = excluded.due_at, seq = excluded.seq where excluded.seq > org_expiry_due.seq`;

export async function keepExpiryDue(pool: pg.Pool, orgId: string, dueAt: number | null, seq: number): Promise<void> {
	await pool.query(prepared(KEEP, [orgId, dueAt, seq]));
}

export async function expiryDueBy(pool: pg.Pool, now: number): Promise<string[]> {
	const sql = 'select org_id from org_expiry_due where due_at <= $1 order by due_at';
	return (await pool.query<{ org_id: string }>(prepared(sql, [now]))).rows.map((r) => r.org_id);
}

export async function expiryDueFilled(pool: pg.Pool): Promise<boolean> {
	return (await pool.query('select 1 from store_marks where name = $1', [FILLED])).rowCount !== 0;
}

export async function markExpiryDueFilled(pool: pg.Pool): Promise<void> {
	await pool.query('insert into store_marks (name) values ($1) on conflict do nothing', [FILLED]);
}

/**
 * store:copy: the moments are not copied (the copy renumbers each organization's sequence), and a
 * server started on the empty database before may have marked them filled: forgotten, so that the
 * first server on the copy works them out from every organization.
 */
export async function forgetExpiryDue(client: pg.PoolClient): Promise<void> {
	await client.query('delete from org_expiry_due');
	await client.query('delete from store_marks where name = $1', [FILLED]);
}
