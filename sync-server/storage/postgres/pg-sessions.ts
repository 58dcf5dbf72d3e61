import type pg from 'pg';
import type { SessionOrgRow, SessionRow } from '../accounts.ts';
import { inTransaction, prepared } from './pool.ts';

type Row = Record<string, unknown>;

const FOREIGN_KEY_VIOLATION = '23503';
export const hasCode = (err: unknown, code: string) => (err as { code?: string }).code === code;

/** Deletes the sessions named by `select` (a query of token hashes) and answers them. */
export const endSessions = (select: string) => `delete from sessions where token_hash in (${select}) returning token_hash`;

/**
 * Sessions and their per-organization timeouts (rules §2) on PostgreSQL, and the query helpers the
 * rest of the accounts family (PgAccounts) shares.
 */
export class PgSessions {
	protected constructor(protected readonly pool: pg.Pool) {}

	protected async rows<T = Row>(sql: string, args: unknown[] = []): Promise<T[]> {
		return (await this.pool.query(prepared(sql, args))).rows as T[];
	}
	protected async changed(sql: string, args: unknown[]): Promise<boolean> {
		return (await this.pool.query(prepared(sql, args))).rowCount === 1;
	}

	async insertSession(
		tokenHash: string,
		userId: string,
		now: number,
		steppedUp = false,
		keep = Infinity,
		ssoProvider?: string
	): Promise<string[]> {
		return inTransaction(this.pool, async (c) => {
			await c.query(
				'insert into sessions (token_hash, user_id, created_at, last_seen_at, stepped_up_at, sso_provider) values ($1, $2, $3, $3, $4, $5)',
				[tokenHash, userId, now, steppedUp ? now : null, ssoProvider ?? null]
			);
			if (keep === Infinity) return [];
			const ended = await c.query<{ token_hash: string }>(
				endSessions(
					'select token_hash from sessions where user_id = $1 and token_hash <> $2 order by created_at desc, token_hash offset $3'
				),
				[userId, tokenHash, keep - 1]
			);
			return ended.rows.map((r) => r.token_hash);
		});
	}
	async session(tokenHash: string) {
		return (
			await this.rows<SessionRow>(
				'select user_id, created_at, last_seen_at, stepped_up_at, sso_provider from sessions where token_hash = $1',
				[tokenHash]
			)
		)[0];
	}
	async stepUp(tokenHash: string, now: number) {
		await this.pool.query('update sessions set stepped_up_at = $2 where token_hash = $1', [tokenHash, now]);
	}
	async deleteSession(tokenHash: string) {
		await this.pool.query('delete from sessions where token_hash = $1', [tokenHash]);
	}
	async sessionsOf(userId: string): Promise<string[]> {
		return (await this.rows<{ token_hash: string }>('select token_hash from sessions where user_id = $1', [userId])).map(
			(r) => r.token_hash
		);
	}
	async sessionOrg(tokenHash: string, orgId: string): Promise<SessionOrgRow | undefined> {
		const [row] = await this.rows<{ last_seen_at: number; expired: boolean }>(
			'select last_seen_at, expired from session_orgs where token_hash = $1 and org_id = $2',
			[tokenHash, orgId]
		);
		return row && { lastSeenAt: row.last_seen_at, expired: row.expired };
	}
	async touchSessionOrg(tokenHash: string, orgId: string, now: number) {
		// An ended access stays ended: neither activity nor a looser setting brings it back. A session ended meanwhile gets no row.
		await this.sessionOrgWrite(
			`insert into session_orgs (token_hash, org_id, last_seen_at, expired) select token_hash, $2, $3, false from sessions where token_hash = $1
			 on conflict (token_hash, org_id) do update set last_seen_at = excluded.last_seen_at where not session_orgs.expired`,
			[tokenHash, orgId, now]
		);
	}
	async expireSessionOrg(tokenHash: string, orgId: string, now: number) {
		await this.sessionOrgWrite(
			`insert into session_orgs (token_hash, org_id, last_seen_at, expired) select token_hash, $2, $3, true from sessions where token_hash = $1
			 on conflict (token_hash, org_id) do update set expired = true`,
			[tokenHash, orgId, now]
		);
	}
	/** A session deleted by another connection between the select and the insert is no row, as if it had gone first. */
	private async sessionOrgWrite(sql: string, args: unknown[]) {
		try {
			await this.pool.query(sql, args);
		} catch (err) {
			if (!hasCode(err, FOREIGN_KEY_VIOLATION)) throw err;
		}
	}
}
