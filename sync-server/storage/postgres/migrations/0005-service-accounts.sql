-- rules §5 service accounts: a users row marked as one (it has no password and never a session),
-- and its secrets, by the SHA-256 of their random part. Times are milliseconds since the epoch.
alter table users add column service boolean not null default false;

create table service_secrets (
	secret_id text primary key,
	user_id text not null references users (id) on delete cascade,
	hash text not null,
	last_used_at bigint
);
create index service_secrets_user on service_secrets (user_id);
