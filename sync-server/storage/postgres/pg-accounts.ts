import type pg from 'pg';
import { SecretKey } from '../../secret-key.ts';
import {
	SECRET_TOUCH_EVERY_MS,
	userFromRow,
	type AccountStore,
	type ServiceSecretRow,
	type EmailTokenRow,
	type StoredUser,
	type TwoFactorRow
} from '../accounts.ts';
import { inTransaction, prepared } from './pool.ts';
import { endSessions, hasCode, PgSessions } from './pg-sessions.ts';

const UNIQUE_VIOLATION = '23505';

/** Named, not `*`: a prepared statement's result keeps its shape, so a column a later migration adds must not change it under a running server. */
const USER = 'id, username, email, email_verified, display_name, totp_secret, password_hash, managed_by, service';

/**
 * The store's secret key (the key file in the data directory, shared by every server), checked
 * against a sealed secret of the store: a key that does not open them belongs to another store,
 * and starting with it would turn every two-factor user away with "wrong code".
 */
async function openSecretKey(pool: pg.Pool, dataDir: string): Promise<SecretKey> {
	const { rows } = await pool.query<{ id: string; sealed: string }>(
		'select id, coalesce(totp_secret, totp_pending) as sealed from users where totp_secret is not null or totp_pending is not null limit 1'
	);
	const sample = rows[0];
	const anyCode = async () => (await pool.query('select 1 from recovery_codes limit 1')).rowCount !== 0;
	const empty = !sample && !(await anyCode());
	const key = SecretKey.load(dataDir, () => empty);
	if (sample && key.open(sample.id, sample.sealed) === undefined) {
		throw new Error(
			`The key file in ${dataDir} does not open this store's two-factor secrets: it belongs to another store. Use the one every server of this database shares.`
		);
	}
	return key;
}

/** The accounts family on PostgreSQL: the same rules as SqliteAccounts, each answer one statement or one transaction. */
export class PgAccounts extends PgSessions implements AccountStore {
	private constructor(
		pool: pg.Pool,
		private readonly key: SecretKey
	) {
		super(pool);
	}

	static async open(pool: pg.Pool, dataDir: string): Promise<PgAccounts> {
		return new PgAccounts(pool, await openSecretKey(pool, dataDir));
	}

	async user(id: string) {
		return userFromRow((await this.rows(`select ${USER} from users where id = $1`, [id]))[0]);
	}
	async userByUsername(username: string) {
		return userFromRow((await this.rows(`select ${USER} from users where lower(username) = lower($1)`, [username]))[0]);
	}
	async verifiedUsersByEmail(email: string): Promise<StoredUser[]> {
		const rows = await this.rows(`select ${USER} from users where lower(email) = lower($1) and email_verified limit 10`, [email.trim()]);
		return rows.map((r) => userFromRow(r)!);
	}
	async unclaimedUsersByEmail(email: string): Promise<StoredUser[]> {
		const rows = await this.rows(
			`select ${USER} from users where lower(email) = lower($1) and managed_by is not null and not service and password_hash = '' limit 10`,
			[email.trim()]
		);
		return rows.map((r) => userFromRow(r)!);
	}
	async insertUser(user: StoredUser, createdAt: number): Promise<boolean> {
		try {
			await this.pool.query(
				`insert into users (id, username, email, email_verified, display_name, password_hash, created_at, managed_by, service)
				 values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				[
					user.id,
					user.username,
					user.email,
					user.emailVerified,
					user.displayName,
					user.passwordHash,
					createdAt,
					user.managedBy ?? null,
					!!user.service
				]
			);
			return true;
		} catch (err) {
			if (hasCode(err, UNIQUE_VIOLATION)) return false;
			throw err;
		}
	}
	async deleteUser(userId: string) {
		await this.pool.query('delete from users where id = $1', [userId]);
	}
	async markEmailVerified(userId: string, email: string): Promise<boolean> {
		return this.changed('update users set email_verified = true where id = $1 and email = $2', [userId, email]);
	}
	async updateProfile(userId: string, profile: { username: string; displayName: string }): Promise<boolean> {
		try {
			await this.pool.query('update users set username = $2, display_name = $3 where id = $1', [
				userId,
				profile.username,
				profile.displayName
			]);
			return true;
		} catch (err) {
			if (hasCode(err, UNIQUE_VIOLATION)) return false;
			throw err;
		}
	}
	async setEmail(userId: string, email: string) {
		await this.pool.query('update users set email = $2, email_verified = false where id = $1', [userId, email]);
	}
	async setPasswordHash(userId: string, passwordHash: string) {
		await this.pool.query('update users set password_hash = $2 where id = $1', [userId, passwordHash]);
	}
	async replacePassword(userId: string, passwordHash: string, keep?: string): Promise<string[]> {
		return inTransaction(this.pool, async (c) => {
			await c.query('update users set password_hash = $2 where id = $1', [userId, passwordHash]);
			const ended = await c.query<{ token_hash: string }>(
				endSessions('select token_hash from sessions where user_id = $1 and token_hash is distinct from $2'),
				[userId, keep ?? null]
			);
			return ended.rows.map((r) => r.token_hash);
		});
	}

	async ssoUser(provider: string, subject: string) {
		return (
			await this.rows<{ user_id: string }>('select user_id from sso_links where provider = $1 and subject = $2', [provider, subject])
		)[0]?.user_id;
	}
	async linkSso(provider: string, subject: string, userId: string, now: number) {
		const r = await this.pool.query('insert into sso_links values ($1, $2, $3, $4) on conflict do nothing', [
			provider,
			subject,
			userId,
			now
		]);
		return r.rowCount === 1;
	}
	async scimUser(orgId: string, externalId: string) {
		return (
			await this.rows<{ user_id: string }>('select user_id from scim_users where org_id = $1 and external_id = $2', [orgId, externalId])
		)[0]?.user_id;
	}
	async scimExternalId(userId: string) {
		return (await this.rows<{ external_id: string }>('select external_id from scim_users where user_id = $1', [userId]))[0]?.external_id;
	}
	async setScimExternalId(orgId: string, userId: string, externalId: string) {
		// The primary key refuses a holder that came in between: that is the same false.
		const r = await this.pool
			.query(
				`insert into scim_users values ($1, $2, $3)
			 on conflict (user_id) do update set org_id = excluded.org_id, external_id = excluded.external_id
			 where not exists (select 1 from scim_users s where s.org_id = $1 and s.external_id = $2 and s.user_id <> $3)`,
				[orgId, externalId, userId]
			)
			.catch((err: { code?: string }) => {
				if (err.code === '23505') return { rowCount: 0 };
				throw err;
			});
		return r.rowCount === 1 || (await this.scimUser(orgId, externalId)) === userId;
	}
	async twoFactor(userId: string): Promise<TwoFactorRow | undefined> {
		const [row] = await this.rows<TwoFactorRow>(
			'select totp_secret as secret, totp_pending as pending, totp_last_step as "lastStep" from users where id = $1',
			[userId]
		);
		const open = (sealed: string | null) => (sealed === null ? null : (this.key.open(userId, sealed) ?? null));
		return row && { ...row, secret: open(row.secret), pending: open(row.pending) };
	}
	async setTotpPending(userId: string, secret: string) {
		await this.pool.query('update users set totp_pending = $2 where id = $1', [userId, this.key.seal(userId, secret)]);
	}
	async enableTotp(userId: string, step: number, recoveryHashes: string[]): Promise<boolean> {
		return inTransaction(this.pool, async (c) => {
			const enabled = await c.query(
				'update users set totp_secret = totp_pending, totp_pending = null, totp_last_step = $2 where id = $1 and totp_pending is not null',
				[userId, step]
			);
			if (enabled.rowCount !== 1) return false;
			await this.writeRecoveryCodes(c, userId, recoveryHashes);
			return true;
		});
	}
	async disableTotp(userId: string) {
		await inTransaction(this.pool, async (c) => {
			await c.query('update users set totp_secret = null, totp_pending = null, totp_last_step = null where id = $1', [userId]);
			await c.query('delete from recovery_codes where user_id = $1', [userId]);
		});
	}
	async useTotpStep(userId: string, step: number): Promise<boolean> {
		return this.changed('update users set totp_last_step = $2 where id = $1 and (totp_last_step is null or totp_last_step < $2)', [
			userId,
			step
		]);
	}
	async replaceRecoveryCodes(userId: string, digests: string[]) {
		await inTransaction(this.pool, (c) => this.writeRecoveryCodes(c, userId, digests));
	}
	private async writeRecoveryCodes(c: pg.PoolClient, userId: string, digests: string[]) {
		await c.query('delete from recovery_codes where user_id = $1', [userId]);
		await c.query('insert into recovery_codes (user_id, code_hash) select $1, unnest($2::text[]) on conflict do nothing', [
			userId,
			digests.map((d) => this.key.codeHash(d))
		]);
	}
	async mac(purpose: string, data: string): Promise<Buffer> {
		return this.key.mac(purpose, data);
	}

	async useRecoveryCode(userId: string, digest: string): Promise<boolean> {
		return this.changed('delete from recovery_codes where user_id = $1 and code_hash = $2', [userId, this.key.codeHash(digest)]);
	}
	async recoveryCodesLeft(userId: string): Promise<number> {
		return (await this.rows<{ n: number }>('select count(*) as n from recovery_codes where user_id = $1', [userId]))[0]!.n;
	}

	async insertEmailToken(tokenHash: string, userId: string, email: string, expiresAt: number) {
		await this.pool.query('insert into email_tokens (token_hash, user_id, email, expires_at) values ($1, $2, $3, $4)', [
			tokenHash,
			userId,
			email,
			expiresAt
		]);
	}
	async consumeEmailToken(tokenHash: string, now: number): Promise<EmailTokenRow | undefined> {
		const [row] = await this.rows<EmailTokenRow>(
			`update email_tokens set used_at = $2 where token_hash = $1 and used_at is null and expires_at >= $2
			 returning user_id, email, expires_at`,
			[tokenHash, now]
		);
		return row;
	}

	async insertServiceSecret(secretId: string, userId: string, hash: string) {
		await this.pool.query('insert into service_secrets (secret_id, user_id, hash) values ($1, $2, $3)', [secretId, userId, hash]);
	}
	async serviceSecret(secretId: string): Promise<ServiceSecretRow | undefined> {
		const [row] = await this.rows<ServiceSecretRow>(
			'select user_id as "userId", hash, last_used_at as "lastUsedAt" from service_secrets where secret_id = $1',
			[secretId]
		);
		return row;
	}
	async deleteServiceSecret(secretId: string) {
		await this.pool.query('delete from service_secrets where secret_id = $1', [secretId]);
	}
	async touchServiceSecret(secretId: string, now: number) {
		await this.pool.query(
			prepared('update service_secrets set last_used_at = $2 where secret_id = $1 and (last_used_at is null or last_used_at <= $3)', [
				secretId,
				now,
				now - SECRET_TOUCH_EVERY_MS
			])
		);
	}
	async serviceSecretsUsed(userId: string): Promise<Record<string, number | null>> {
		const rows = await this.rows<{ secret_id: string; last_used_at: number | null }>(
			'select secret_id, last_used_at from service_secrets where user_id = $1',
			[userId]
		);
		return Object.fromEntries(rows.map((r) => [r.secret_id, r.last_used_at]));
	}
}
