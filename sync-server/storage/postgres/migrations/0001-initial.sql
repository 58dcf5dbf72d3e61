-- Accounts. Times are milliseconds since 1970 (bigint).
create table users (
	id text primary key,
	username text not null,
	email text not null,
	email_verified boolean not null default false,
	display_name text not null default '',
	password_hash text not null,
	created_at bigint not null,
	-- Sealed with the key file in the data directory (secret-key.ts), never in the clear.
	totp_secret text,
	totp_pending text,
	totp_last_step bigint,
	managed_by text
);
-- Usernames are unique in any case.
create unique index users_username on users (lower(username));
create index users_email on users (lower(email));

create table sessions (
	token_hash text primary key,
	user_id text not null references users (id) on delete cascade,
	created_at bigint not null,
	last_seen_at bigint not null,
	stepped_up_at bigint
);
create index sessions_user on sessions (user_id);

-- rules §2 session timeouts per organization: a session's last action on each organization, and whether its access there ended.
create table session_orgs (
	token_hash text not null references sessions (token_hash) on delete cascade,
	org_id text not null,
	last_seen_at bigint not null,
	expired boolean not null default false,
	primary key (token_hash, org_id)
);

-- Single-use recovery codes for two-factor sign-in, stored as HMACs keyed with the key file.
create table recovery_codes (
	user_id text not null references users (id) on delete cascade,
	code_hash text not null,
	primary key (user_id, code_hash)
);

create table email_tokens (
	token_hash text primary key,
	user_id text not null references users (id) on delete cascade,
	email text not null,
	expires_at bigint not null,
	used_at bigint
);
create index email_tokens_user on email_tokens (user_id);

-- Documents: each organization's log, numbered by the organization's sequence (org_heads, bumped under its write lock).
create table org_heads (
	org_id text primary key,
	seq bigint not null
);
create table doc_updates (
	org_id text not null,
	seq bigint not null,
	-- Byte order, so that a prefix is a range of the index.
	doc_id text collate "C" not null,
	data bytea not null,
	primary key (org_id, seq)
);
create index doc_updates_doc on doc_updates (doc_id, seq);
-- The changes each batch made to an organization (JSON of its entries), numbered by the batch's last sequence there.
create table org_changes (
	org_id text not null,
	seq bigint not null,
	body text not null,
	primary key (org_id, seq)
);

-- Every mutation and its verdict: the idempotency record and the activity feed (paged by seq).
create table mutations (
	seq bigserial not null,
	user_id text not null,
	id text not null,
	org_id text,
	type text not null,
	body text not null,
	ok boolean not null,
	code text,
	message text,
	at bigint not null,
	primary key (user_id, id)
);
create index mutations_org on mutations (org_id, seq);

create table memberships (
	user_id text not null,
	doc_id text not null,
	primary key (user_id, doc_id)
);

-- Pending invitations by address (any case); project_id is '' for an organization invitation.
create table invitations (
	org_id text not null,
	project_id text not null,
	invite_id text not null,
	email text not null,
	primary key (org_id, project_id, invite_id)
);
create index invitations_email on invitations (lower(email));

-- Each organization's whole membership-webhook URL: server-only, as its path may hold a token.
create table org_webhooks (
	org_id text primary key,
	url text not null
);
