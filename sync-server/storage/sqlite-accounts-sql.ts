import type Database from 'better-sqlite3';

/** The accounts family's tables in SQLite (made and migrated in place here) and its prepared statements (sqlite-accounts.ts). */

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

export function statements(db: Database.Database) {
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

/** Makes the accounts tables, and adds to an older store's tables the columns added since. */
export function createAccountTables(db: Database.Database) {
	db.exec(SCHEMA);
	migrate(db);
}
