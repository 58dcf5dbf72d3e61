import type Database from 'better-sqlite3';
import { openSecretKey } from '../sealed-secrets.ts';
import type { SecretKey } from '../secret-key.ts';
import {
	SECRET_TOUCH_EVERY_MS,
	userFromRow,
	type AccountRows,
	type EmailTokenRow,
	type ServiceSecretRow,
	type SessionRow,
	type StoredUser,
	type TwoFactorRow
} from './accounts.ts';

const SCHEMA = `
create table if not exists users (
	id text primary key,
	username text not null unique collate nocase,
	email text not null,
	email_verified integer not null default 0,
	display_name text not null default '',
	password_hash text not null,
	created_at integer not null,
	-- Sealed with the key file beside the store (secret-key.ts), never in the clear.
	totp_secret text,
	totp_pending text,
	totp_last_step integer
);
create index if not exists users_email on users(email collate nocase);
create table if not exists sessions (
	token_hash text primary key,
	user_id text not null references users(id) on delete cascade,
	created_at integer not null,
	last_seen_at integer not null,
	stepped_up_at integer,
	sso_provider text
);
create index if not exists sessions_user on sessions(user_id);
-- rules §2 session timeouts per organization: a session's last action on each organization, and whether its access there ended.
create table if not exists session_orgs (
	token_hash text not null references sessions(token_hash) on delete cascade,
	org_id text not null,
	last_seen_at integer not null,
	expired integer not null default 0,
	primary key (token_hash, org_id)
) without rowid;
-- Single-use recovery codes for two-factor sign-in, stored as HMACs keyed with the key file.
create table if not exists recovery_codes (
	user_id text not null references users(id) on delete cascade,
	code_hash text not null,
	primary key (user_id, code_hash)
) without rowid;
-- rules §2 single sign-on: which Roster user a provider's subject is.
create table if not exists sso_links (
	provider text not null,
	subject text not null,
	user_id text not null references users(id) on delete cascade,
	created_at integer not null,
	primary key (provider, subject)
) without rowid;
create index if not exists sso_links_user on sso_links(user_id);
-- rules §5 provisioning: the externalId an identity provider gave a user it provisioned (docs/scim.md).
create table if not exists scim_users (
	org_id text not null,
	external_id text not null,
	user_id text not null unique references users(id) on delete cascade,
	primary key (org_id, external_id)
) without rowid;
create table if not exists email_tokens (
	token_hash text primary key,
	user_id text not null references users(id) on delete cascade,
	email text not null,
	expires_at integer not null,
	used_at integer
);
-- rules §5: a service account's secrets, by the SHA-256 of their random part.
create table if not exists service_secrets (
	secret_id text primary key,
	user_id text not null references users(id) on delete cascade,
	hash text not null,
	last_used_at integer
);
create index if not exists service_secrets_user on service_secrets(user_id);
`;

type Row = Record<string, unknown>;

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';

/** Columns added since a store was first made: `create table if not exists` leaves older tables as they were. */
function migrate(db: Database.Database) {
	const add = (table: string, column: string, type: string) => {
		const columns = db.prepare(`select name from pragma_table_info('${table}')`).all() as { name: string }[];
		if (!columns.some((c) => c.name === column)) db.exec(`alter table ${table} add column ${column} ${type}`);
	};
	add('users', 'totp_secret', 'text');
	add('users', 'totp_pending', 'text');
	add('users', 'totp_last_step', 'integer');
	add('sessions', 'stepped_up_at', 'integer');
	add('users', 'managed_by', 'text');
	add('users', 'service', 'integer not null default 0');
	add('sessions', 'sso_provider', 'text');
}

function statements(db: Database.Database) {
	return {
		userById: db.prepare('select * from users where id = ?'),
		userByName: db.prepare('select * from users where username = ? collate nocase'),
		insertUser: db.prepare(
			'insert into users (id, username, email, email_verified, display_name, password_hash, created_at, managed_by, service) values (@id, @username, @email, @emailVerified, @displayName, @passwordHash, @createdAt, @managedBy, @service)'
		),
		deleteUser: db.prepare('delete from users where id = ?'),
		verifiedByEmail: db.prepare('select * from users where email = ? collate nocase and email_verified = 1 limit 10'),
		unclaimedByEmail: db.prepare(
			"select * from users where email = ? collate nocase and managed_by is not null and service = 0 and password_hash = '' limit 10"
		),
		verifyUser: db.prepare('update users set email_verified = 1 where id = ? and email = ?'),
		updateProfile: db.prepare('update users set username = @username, display_name = @displayName where id = @id'),
		setEmail: db.prepare('update users set email = ?, email_verified = 0 where id = ?'),
		setPasswordHash: db.prepare('update users set password_hash = ? where id = ?'),
		insertSession: db.prepare(
			'insert into sessions (token_hash, user_id, created_at, last_seen_at, stepped_up_at, sso_provider) values (?, ?, ?, ?, ?, ?)'
		),
		session: db.prepare('select user_id, created_at, last_seen_at, stepped_up_at, sso_provider from sessions where token_hash = ?'),
		ssoLink: db.prepare('select user_id from sso_links where provider = ? and subject = ?'),
		linkSso: db.prepare('insert or ignore into sso_links values (?, ?, ?, ?)'),
		scimUser: db.prepare('select user_id from scim_users where org_id = ? and external_id = ?'),
		scimExternalId: db.prepare('select external_id from scim_users where user_id = ?'),
		setScimExternalId: db.prepare(
			'insert into scim_users values (?, ?, ?) on conflict (user_id) do update set org_id = excluded.org_id, external_id = excluded.external_id'
		),
		stepUp: db.prepare('update sessions set stepped_up_at = ? where token_hash = ?'),
		twoFactor: db.prepare('select totp_secret as secret, totp_pending as pending, totp_last_step as lastStep from users where id = ?'),
		setTotpPending: db.prepare('update users set totp_pending = ? where id = ?'),
		enableTotp: db.prepare(
			'update users set totp_secret = totp_pending, totp_pending = null, totp_last_step = ? where id = ? and totp_pending is not null'
		),
		disableTotp: db.prepare('update users set totp_secret = null, totp_pending = null, totp_last_step = null where id = ?'),
		setTotpStep: db.prepare('update users set totp_last_step = ? where id = ? and (totp_last_step is null or totp_last_step < ?)'),
		deleteRecoveryCodes: db.prepare('delete from recovery_codes where user_id = ?'),
		insertRecoveryCode: db.prepare('insert or ignore into recovery_codes values (?, ?)'),
		useRecoveryCode: db.prepare('delete from recovery_codes where user_id = ? and code_hash = ?'),
		recoveryCodesLeft: db.prepare('select count(*) as n from recovery_codes where user_id = ?'),
		sessionOrg: db.prepare('select last_seen_at, expired from session_orgs where token_hash = ? and org_id = ?'),
		// An ended access stays ended: neither activity nor a looser setting brings it back. A session ended meanwhile gets no row.
		touchSessionOrg: db.prepare(
			'insert into session_orgs select token_hash, ?, ?, 0 from sessions where token_hash = ? on conflict do update set last_seen_at = excluded.last_seen_at where expired = 0'
		),
		expireSessionOrg: db.prepare(
			'insert into session_orgs select token_hash, ?, ?, 1 from sessions where token_hash = ? on conflict do update set expired = 1'
		),
		deleteSession: db.prepare('delete from sessions where token_hash = ?'),
		sessionsOf: db.prepare('select token_hash from sessions where user_id = ?'),
		sessionsBeyond: db.prepare(
			'select token_hash from sessions where user_id = ? and token_hash <> ? order by created_at desc, token_hash limit -1 offset ?'
		),
		insertToken: db.prepare('insert into email_tokens values (?, ?, ?, ?, null)'),
		token: db.prepare('select * from email_tokens where token_hash = ?'),
		useToken: db.prepare('update email_tokens set used_at = ? where token_hash = ? and used_at is null'),
		insertSecret: db.prepare('insert into service_secrets (secret_id, user_id, hash) values (?, ?, ?)'),
		secret: db.prepare('select user_id as userId, hash, last_used_at as lastUsedAt from service_secrets where secret_id = ?'),
		deleteSecret: db.prepare('delete from service_secrets where secret_id = ?'),
		touchSecret: db.prepare(
			'update service_secrets set last_used_at = ? where secret_id = ? and (last_used_at is null or last_used_at <= ?)'
		),
		secretsUsed: db.prepare('select secret_id, last_used_at from service_secrets where user_id = ?')
	};
}

/**
 * The accounts family in SQLite: its tables (made and migrated here) and its queries, answered
 * at once; asyncAccounts puts it behind the AccountStore interface. Two-factor secrets and
 * recovery codes are sealed and keyed with the key file beside the store.
 */
export class SqliteAccounts implements AccountRows {
	private readonly q;
	private readonly key: SecretKey;

	constructor(
		readonly db: Database.Database,
		dataDir: string
	) {
		db.exec(SCHEMA);
		migrate(db);
		this.key = openSecretKey(db, dataDir);
		this.q = statements(db);
	}

	transaction<T>(fn: () => T): T {
		return this.db.transaction(fn)();
	}

	user(id: string) {
		return userFromRow(this.q.userById.get(id) as Row | undefined);
	}
	userByUsername(username: string) {
		return userFromRow(this.q.userByName.get(username) as Row | undefined);
	}
	verifiedUsersByEmail(email: string): StoredUser[] {
		return (this.q.verifiedByEmail.all(email.trim()) as Row[]).map((r) => userFromRow(r)!);
	}
	unclaimedUsersByEmail(email: string): StoredUser[] {
		return (this.q.unclaimedByEmail.all(email.trim()) as Row[]).map((r) => userFromRow(r)!);
	}
	insertUser(user: StoredUser, createdAt: number): boolean {
		try {
			this.q.insertUser.run({
				...user,
				emailVerified: user.emailVerified ? 1 : 0,
				createdAt,
				managedBy: user.managedBy ?? null,
				service: user.service ? 1 : 0
			});
			return true;
		} catch (err) {
			if (isUniqueViolation(err)) return false;
			throw err;
		}
	}
	deleteUser(userId: string) {
		this.q.deleteUser.run(userId);
	}
	markEmailVerified(userId: string, email: string): boolean {
		return this.q.verifyUser.run(userId, email).changes === 1;
	}
	updateProfile(userId: string, profile: { username: string; displayName: string }): boolean {
		try {
			this.q.updateProfile.run({ id: userId, ...profile });
			return true;
		} catch (err) {
			if (isUniqueViolation(err)) return false;
			throw err;
		}
	}
	setEmail(userId: string, email: string) {
		this.q.setEmail.run(email, userId);
	}
	setPasswordHash(userId: string, passwordHash: string) {
		this.q.setPasswordHash.run(passwordHash, userId);
	}
	replacePassword(userId: string, passwordHash: string, keep?: string): string[] {
		return this.transaction(() => {
			this.setPasswordHash(userId, passwordHash);
			const others = this.sessionsOf(userId).filter((h) => h !== keep);
			for (const h of others) this.deleteSession(h);
			return others;
		});
	}

	insertSession(tokenHash: string, userId: string, now: number, steppedUp = false, keep = Infinity, ssoProvider?: string): string[] {
		return this.transaction(() => {
			this.q.insertSession.run(tokenHash, userId, now, now, steppedUp ? now : null, ssoProvider ?? null);
			if (keep === Infinity) return [];
			const ended = (this.q.sessionsBeyond.all(userId, tokenHash, keep - 1) as { token_hash: string }[]).map((r) => r.token_hash);
			for (const hash of ended) this.deleteSession(hash);
			return ended;
		});
	}
	session(tokenHash: string) {
		return this.q.session.get(tokenHash) as SessionRow | undefined;
	}
	ssoUser(provider: string, subject: string) {
		return (this.q.ssoLink.get(provider, subject) as { user_id: string } | undefined)?.user_id;
	}
	linkSso(provider: string, subject: string, userId: string, now: number): boolean {
		return this.q.linkSso.run(provider, subject, userId, now).changes === 1;
	}
	scimUser(orgId: string, externalId: string) {
		return (this.q.scimUser.get(orgId, externalId) as { user_id: string } | undefined)?.user_id;
	}
	scimExternalId(userId: string) {
		return (this.q.scimExternalId.get(userId) as { external_id: string } | undefined)?.external_id;
	}
	setScimExternalId(orgId: string, userId: string, externalId: string): boolean {
		const holder = this.scimUser(orgId, externalId);
		if (holder !== undefined) return holder === userId;
		this.q.setScimExternalId.run(orgId, externalId, userId);
		return true;
	}
	stepUp(tokenHash: string, now: number) {
		this.q.stepUp.run(now, tokenHash);
	}
	deleteSession(tokenHash: string) {
		this.q.deleteSession.run(tokenHash);
	}
	sessionsOf(userId: string): string[] {
		return (this.q.sessionsOf.all(userId) as { token_hash: string }[]).map((r) => r.token_hash);
	}
	sessionOrg(tokenHash: string, orgId: string) {
		const row = this.q.sessionOrg.get(tokenHash, orgId) as { last_seen_at: number; expired: number } | undefined;
		return row && { lastSeenAt: row.last_seen_at, expired: row.expired === 1 };
	}
	touchSessionOrg(tokenHash: string, orgId: string, now: number) {
		this.q.touchSessionOrg.run(orgId, now, tokenHash);
	}
	expireSessionOrg(tokenHash: string, orgId: string, now: number) {
		this.q.expireSessionOrg.run(orgId, now, tokenHash);
	}

	twoFactor(userId: string): TwoFactorRow | undefined {
		const row = this.q.twoFactor.get(userId) as TwoFactorRow | undefined;
		const open = (sealed: string | null) => (sealed === null ? null : (this.key.open(userId, sealed) ?? null));
		return row && { ...row, secret: open(row.secret), pending: open(row.pending) };
	}
	setTotpPending(userId: string, secret: string) {
		this.q.setTotpPending.run(this.key.seal(userId, secret), userId);
	}
	enableTotp(userId: string, step: number, recoveryHashes: string[]): boolean {
		return this.transaction(() => {
			if (this.q.enableTotp.run(step, userId).changes !== 1) return false;
			this.replaceRecoveryCodes(userId, recoveryHashes);
			return true;
		});
	}
	disableTotp(userId: string) {
		this.transaction(() => {
			this.q.disableTotp.run(userId);
			this.q.deleteRecoveryCodes.run(userId);
		});
	}
	useTotpStep(userId: string, step: number): boolean {
		return this.q.setTotpStep.run(step, userId, step).changes === 1;
	}
	replaceRecoveryCodes(userId: string, digests: string[]) {
		this.transaction(() => {
			this.q.deleteRecoveryCodes.run(userId);
			for (const d of digests) this.q.insertRecoveryCode.run(userId, this.key.codeHash(d));
		});
	}
	mac(purpose: string, data: string): Buffer {
		return this.key.mac(purpose, data);
	}

	useRecoveryCode(userId: string, digest: string): boolean {
		return this.q.useRecoveryCode.run(userId, this.key.codeHash(digest)).changes === 1;
	}
	recoveryCodesLeft(userId: string): number {
		return (this.q.recoveryCodesLeft.get(userId) as { n: number }).n;
	}

	insertEmailToken(tokenHash: string, userId: string, email: string, expiresAt: number) {
		this.q.insertToken.run(tokenHash, userId, email, expiresAt);
	}
	consumeEmailToken(tokenHash: string, now: number): EmailTokenRow | undefined {
		const row = this.q.token.get(tokenHash) as EmailTokenRow | undefined;
		if (!row || row.expires_at < now) return undefined;
		return this.q.useToken.run(now, tokenHash).changes === 1 ? row : undefined;
	}

	insertServiceSecret(secretId: string, userId: string, hash: string) {
		this.q.insertSecret.run(secretId, userId, hash);
	}
	serviceSecret(secretId: string): ServiceSecretRow | undefined {
		return this.q.secret.get(secretId) as ServiceSecretRow | undefined;
	}
	deleteServiceSecret(secretId: string) {
		this.q.deleteSecret.run(secretId);
	}
	touchServiceSecret(secretId: string, now: number) {
		this.q.touchSecret.run(now, secretId, now - SECRET_TOUCH_EVERY_MS);
	}
	serviceSecretsUsed(userId: string): Record<string, number | null> {
		const rows = this.q.secretsUsed.all(userId) as { secret_id: string; last_used_at: number | null }[];
		return Object.fromEntries(rows.map((r) => [r.secret_id, r.last_used_at]));
	}
}
