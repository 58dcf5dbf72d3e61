import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { windowCount, windowWait, type JobLocks, type Limiter, type Limits, type Window } from '../../limits.ts';

/** Limits and job locks shared by every server on one PostgreSQL database (the rate_limits table, migration 0002). */
export function pgLimits(pool: Pool): Limits {
	return { limiter: (name, max, windowMs) => new PgLimiter(pool, name, max, windowMs), jobs: new PgJobLocks(pool) };
}

/**
 * Counts one on a key in one statement, so two servers counting at once both count: a new
 * window when the key's has passed ($3 is now, $4 the window); with a max ($5), only while the
 * window has room, and then no row comes back when it has none.
 */
const COUNT = `INSERT INTO rate_limits AS r (limiter, key, since, count) VALUES ($1, $2, $3::bigint, 1)
ON CONFLICT (limiter, key) DO UPDATE SET
	since = CASE WHEN $3::bigint - r.since >= $4::bigint THEN $3::bigint ELSE r.since END,
	count = CASE WHEN $3::bigint - r.since >= $4::bigint THEN 1 ELSE r.count + 1 END
WHERE $5::bigint IS NULL OR $3::bigint - r.since >= $4::bigint OR r.count < $5::bigint
RETURNING count`;

export class PgLimiter implements Limiter {
	/** When this server last deleted the limiter's passed windows: once a window, so the table holds about one window of keys. */
	private swept = -Infinity;

	constructor(
		private readonly pool: Pool,
		private readonly name: string,
		private readonly max: number,
		private readonly windowMs: number
	) {}

	async retryAfter(key: string, now: number) {
		return windowWait(await this.window(key), now, this.max, this.windowMs);
	}

	async count(key: string, now: number) {
		await this.upsert(key, now, null);
	}

	async take(key: string, now: number) {
		if (await this.upsert(key, now, this.max)) return 0;
		// Spent; at least a millisecond, should another server have just started a new window (or swept it).
		return Math.max(1, await this.retryAfter(key, now));
	}

	async countOf(key: string, now: number) {
		return windowCount(await this.window(key), now, this.windowMs);
	}

	async clear(key: string) {
		await this.pool.query('DELETE FROM rate_limits WHERE limiter = $1 AND key = $2', [this.name, key]);
	}

	async forgive(key: string) {
		await this.pool.query('UPDATE rate_limits SET count = count - 1 WHERE limiter = $1 AND key = $2 AND count > 0', [this.name, key]);
	}

	/** Counts one (with `max`, only if there is room); whether it was counted. */
	private async upsert(key: string, now: number, max: number | null): Promise<boolean> {
		if (now - this.swept >= this.windowMs) {
			this.swept = now;
			await this.pool.query('DELETE FROM rate_limits WHERE limiter = $1 AND since <= $2::bigint', [this.name, now - this.windowMs]);
		}
		const { rowCount } = await this.pool.query(COUNT, [this.name, key, now, this.windowMs, max]);
		return rowCount === 1;
	}

	private async window(key: string): Promise<Window | undefined> {
		const { rows } = await this.pool.query<{ count: string; since: string }>(
			'SELECT count, since FROM rate_limits WHERE limiter = $1 AND key = $2',
			[this.name, key]
		);
		const row = rows[0];
		return row && { count: Number(row.count), since: Number(row.since) };
	}
}

/**
 * A job's lock is a session advisory lock on a client of the pool, held while the work runs
 * (by the key's 64-bit hash, apart from the organizations' write locks by the prefix).
 */
export class PgJobLocks implements JobLocks {
	constructor(private readonly pool: Pool) {}

	async tryRun(key: string, work: () => Promise<void>) {
		const lock = [jobLockId(key)];
		const client = await this.pool.connect();
		// False while the session may still hold the lock: then it is ended, which releases it.
		let clean = false;
		try {
			// The schema is part of the key, as for organization locks: two stores in one database (schemas) never share a lock.
			const { rows } = await client.query<{ got: boolean }>(
				'SELECT pg_try_advisory_lock($1::bigint # hashtextextended(current_schema(), 0)) AS got',
				lock
			);
			clean = true;
			if (!rows[0]?.got) return false;
			clean = false;
			try {
				await work();
				return true;
			} finally {
				clean = await client.query('SELECT pg_advisory_unlock($1::bigint # hashtextextended(current_schema(), 0))', lock).then(
					() => true,
					() => false
				);
			}
		} finally {
			client.release(!clean);
		}
	}
}

/** A signed 64-bit lock id for a job's key. */
function jobLockId(key: string): string {
	return createHash('sha256').update(`roster-job\u0000${key}`).digest().readBigInt64BE(0).toString();
}
