import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Refusal, RefusalCode, UserProfile } from '$lib/domain/index.ts';
import { openSecretKey } from './sealed-secrets.ts';
import type { SecretKey } from './secret-key.ts';

export interface StoredUser extends UserProfile {
	passwordHash: string;
}

/** A user's two-factor secrets (opened: the store keeps them sealed): server-only, never in a document or an answer but enrolment's. */
export interface TwoFactorRow {
	secret: string | null;
	pending: string | null;
	lastStep: number | null;
}

export interface ActivityFilter {
	user?: { id: string; username: string };
	teamId?: string;
	projectId?: string;
	kind?: string;
	before?: number;
	limit: number;
}

export interface ActivityRow {
	seq: number;
	user_id: string;
	username: string | null;
	type: string;
	body: string;
	ok: number;
	code: string | null;
	message: string | null;
	at: number;
}

export interface MutationRecord {
	userId: string;
	id: string;
	orgId: string | null;
	type: string;
	body: string;
	ok: boolean;
	code: string | null;
	message: string | null;
	at: number;
}

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
	stepped_up_at integer
);
create index if not exists sessions_user on sessions(user_id);
-- SPEC §2 session timeouts per organization: a session's last action on each organization, and whether its access there ended.
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
create table if not exists email_tokens (
	token_hash text primary key,
	user_id text not null references users(id) on delete cascade,
	email text not null,
	expires_at integer not null,
	used_at integer
);
create table if not exists doc_updates (
	seq integer primary key autoincrement,
	doc_id text not null,
	data blob not null
);
create index if not exists doc_updates_doc on doc_updates(doc_id, seq);
create table if not exists memberships (
	user_id text not null,
	doc_id text not null,
	primary key (user_id, doc_id)
) without rowid;
-- Every mutation and its verdict: the idempotency record and the activity log.
create table if not exists mutations (
	user_id text not null,
	id text not null,
	org_id text,
	type text not null,
	body text not null,
	ok integer not null,
	code text,
	message text,
	at integer not null,
	primary key (user_id, id)
);
create index if not exists mutations_org on mutations(org_id, at);
-- Pending invitations by address, so a verified address finds its invitations without opening every organization.
-- Kept in the same transaction as the documents that hold them; project_id is '' for an organization invitation.
create table if not exists invitations (
	org_id text not null,
	project_id text not null,
	invite_id text not null,
	email text not null collate nocase,
	primary key (org_id, project_id, invite_id)
) without rowid;
create index if not exists invitations_email on invitations(email collate nocase);
-- Each organization's whole membership-webhook URL: server-only, as its path may hold a token (the document keeps its host).
create table if not exists org_webhooks (
	org_id text primary key,
	url text not null
) without rowid;
`;

export interface InvitationRow {
	org_id: string;
	project_id: string;
	invite_id: string;
}

type Row = Record<string, unknown>;

function toUser(row: Row | undefined): StoredUser | undefined {
	if (!row) return undefined;
	return {
		id: row.id as string,
		username: row.username as string,
		email: row.email as string,
		emailVerified: row.email_verified === 1,
		displayName: row.display_name as string,
		twoFactor: row.totp_secret != null,
		passwordHash: row.password_hash as string,
		...(row.managed_by ? { managedBy: row.managed_by as string } : {})
	};
}

/** The embedded store: one SQLite file under the data directory. Writes are durable (synchronous=FULL) on commit. */
export class Store {
	readonly db: Database.Database;
	private readonly q;
	private readonly key: SecretKey;

	constructor(dataDir: string) {
		mkdirSync(dataDir, { recursive: true });
		this.db = new Database(join(dataDir, 'roster.sqlite'));
		this.db.pragma('journal_mode = WAL');
		this.db.pragma('synchronous = FULL');
		this.db.pragma('foreign_keys = ON');
		this.db.pragma('busy_timeout = 5000');
		this.db.exec(SCHEMA);
		this.migrate();
		// Deleted rows (spent recovery codes, turned-off secrets) are zeroed where that costs no extra writes.
		this.db.pragma('secure_delete = FAST');
		this.key = openSecretKey(this.db, dataDir);
		const db = this.db;
		this.q = {
			userById: db.prepare('select * from users where id = ?'),
			userByName: db.prepare('select * from users where username = ? collate nocase'),
			insertUser: db.prepare(
				'insert into users (id, username, email, email_verified, display_name, password_hash, created_at, managed_by) values (@id, @username, @email, @emailVerified, @displayName, @passwordHash, @createdAt, @managedBy)'
			),
			deleteUser: db.prepare('delete from users where id = ?'),
			deleteMemberships: db.prepare('delete from memberships where user_id = ?'),
			verifiedByEmail: db.prepare('select * from users where email = ? collate nocase and email_verified = 1 limit 10'),
			verifyUser: db.prepare('update users set email_verified = 1 where id = ? and email = ?'),
			updateProfile: db.prepare('update users set username = @username, display_name = @displayName where id = @id'),
			setEmail: db.prepare('update users set email = ?, email_verified = 0 where id = ?'),
			setPasswordHash: db.prepare('update users set password_hash = ? where id = ?'),
			insertSession: db.prepare('insert into sessions (token_hash, user_id, created_at, last_seen_at, stepped_up_at) values (?, ?, ?, ?, ?)'),
			session: db.prepare('select user_id, created_at, last_seen_at, stepped_up_at from sessions where token_hash = ?'),
			stepUp: db.prepare('update sessions set stepped_up_at = ? where token_hash = ?'),
			twoFactor: db.prepare('select totp_secret as secret, totp_pending as pending, totp_last_step as lastStep from users where id = ?'),
			setTotpPending: db.prepare('update users set totp_pending = ? where id = ?'),
			enableTotp: db.prepare('update users set totp_secret = totp_pending, totp_pending = null, totp_last_step = ? where id = ? and totp_pending is not null'),
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
			sessionsBeyond: db.prepare('select token_hash from sessions where user_id = ? and token_hash <> ? order by created_at desc, token_hash limit -1 offset ?'),
			insertToken: db.prepare('insert into email_tokens values (?, ?, ?, ?, null)'),
			token: db.prepare('select * from email_tokens where token_hash = ?'),
			useToken: db.prepare('update email_tokens set used_at = ? where token_hash = ? and used_at is null'),
			docUpdates: db.prepare('select seq, data from doc_updates where doc_id = ? order by seq'),
			insertUpdate: db.prepare('insert into doc_updates (doc_id, data) values (?, ?)'),
			deleteUpdatesUpTo: db.prepare('delete from doc_updates where doc_id = ? and seq <= ?'),
			docIdsInRange: db.prepare('select distinct doc_id from doc_updates where doc_id >= ? and doc_id < ?'),
			docsOf: db.prepare('select doc_id from memberships where user_id = ?'),
			addMembership: db.prepare('insert or ignore into memberships values (?, ?)'),
			removeMembership: db.prepare('delete from memberships where user_id = ? and doc_id = ?'),
			putInvitation: db.prepare('insert or replace into invitations values (?, ?, ?, ?)'),
			deleteInvitation: db.prepare('delete from invitations where org_id = ? and project_id = ? and invite_id = ?'),
			invitationsFor: db.prepare('select org_id, project_id, invite_id from invitations where email = ? collate nocase'),
			mutation: db.prepare('select * from mutations where user_id = ? and id = ?'),
			webhook: db.prepare('select url from org_webhooks where org_id = ?'),
			setWebhook: db.prepare('insert or replace into org_webhooks values (?, ?)'),
			deleteWebhook: db.prepare('delete from org_webhooks where org_id = ?'),
			insertMutation: db.prepare(
				'insert into mutations values (@userId, @id, @orgId, @type, @body, @ok, @code, @message, @at)'
			)
		};
	}

	close() {
		this.db.close();
	}

	/** Columns added since a store was first made: `create table if not exists` leaves older tables as they were. */
	private migrate() {
		const add = (table: string, column: string, type: string) => {
			const columns = this.db.prepare(`select name from pragma_table_info('${table}')`).all() as { name: string }[];
			if (!columns.some((c) => c.name === column)) this.db.exec(`alter table ${table} add column ${column} ${type}`);
		};
		add('users', 'totp_secret', 'text');
		add('users', 'totp_pending', 'text');
		add('users', 'totp_last_step', 'integer');
		add('sessions', 'stepped_up_at', 'integer');
		add('users', 'managed_by', 'text');
	}

	transaction<T>(fn: () => T): T {
		return this.db.transaction(fn)();
	}

	user(id: string) {
		return toUser(this.q.userById.get(id) as Row | undefined);
	}
	userByUsername(username: string) {
		return toUser(this.q.userByName.get(username) as Row | undefined);
	}
	/** Users whose verified address this is (a few at most; the count only needs to tell one from several). */
	verifiedUsersByEmail(email: string): StoredUser[] {
		return (this.q.verifiedByEmail.all(email.trim()) as Row[]).map((r) => toUser(r)!);
	}
	insertUser(user: StoredUser, createdAt: number) {
		this.q.insertUser.run({ ...user, emailVerified: user.emailVerified ? 1 : 0, createdAt, managedBy: user.managedBy ?? null });
	}
	/** Deletes the account: its sessions and email tokens go with it; its recorded mutations stay, for the activity feed. */
	deleteUser(userId: string) {
		this.transaction(() => {
			this.q.deleteMemberships.run(userId);
			this.q.deleteUser.run(userId);
		});
	}
	/** Only while the user's address is still the one the token was sent to. */
	markEmailVerified(userId: string, email: string): boolean {
		return this.q.verifyUser.run(userId, email).changes === 1;
	}
	/** Throws when the username is taken (unique, case-insensitive). */
	updateProfile(userId: string, profile: { username: string; displayName: string }) {
		this.q.updateProfile.run({ id: userId, ...profile });
	}
	/** A new address is unverified until a link sent to it is used. */
	setEmail(userId: string, email: string) {
		this.q.setEmail.run(email, userId);
	}
	setPasswordHash(userId: string, passwordHash: string) {
		this.q.setPasswordHash.run(passwordHash, userId);
	}

	/**
	 * `steppedUp`: the session starts confirmed (signed in with a two-factor code). A user keeps
	 * at most `keep` sessions: the oldest beyond them are deleted, and returned so their sockets close.
	 */
	insertSession(tokenHash: string, userId: string, now: number, steppedUp = false, keep = Infinity): string[] {
		return this.transaction(() => {
			this.q.insertSession.run(tokenHash, userId, now, now, steppedUp ? now : null);
			if (keep === Infinity) return [];
			const ended = (this.q.sessionsBeyond.all(userId, tokenHash, keep - 1) as { token_hash: string }[]).map((r) => r.token_hash);
			for (const hash of ended) this.deleteSession(hash);
			return ended;
		});
	}
	session(tokenHash: string) {
		return this.q.session.get(tokenHash) as
			| { user_id: string; created_at: number; last_seen_at: number; stepped_up_at: number | null }
			| undefined;
	}
	/** A code was entered in this session (SPEC §4 step-up). */
	stepUp(tokenHash: string, now: number) {
		this.q.stepUp.run(now, tokenHash);
	}

	twoFactor(userId: string): TwoFactorRow | undefined {
		const row = this.q.twoFactor.get(userId) as TwoFactorRow | undefined;
		const open = (sealed: string | null) => (sealed === null ? null : (this.key.open(userId, sealed) ?? null));
		return row && { ...row, secret: open(row.secret), pending: open(row.pending) };
	}
	/** A secret offered at enrolment, active only once a code from it is confirmed. */
	setTotpPending(userId: string, secret: string) {
		this.q.setTotpPending.run(this.key.seal(userId, secret), userId);
	}
	/** Turns two-factor on with the pending secret and a fresh set of recovery codes, in one transaction. */
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
	/** Records the time step of an accepted code; false when that step (or a later one) was used already, so no code works twice. */
	useTotpStep(userId: string, step: number): boolean {
		return this.q.setTotpStep.run(step, userId, step).changes === 1;
	}
	/** `digests` are recoveryHash's; the store keeps them keyed. */
	replaceRecoveryCodes(userId: string, digests: string[]) {
		this.transaction(() => {
			this.q.deleteRecoveryCodes.run(userId);
			for (const d of digests) this.q.insertRecoveryCode.run(userId, this.key.codeHash(d));
		});
	}
	/** Spends a recovery code by its digest; true once per code. */
	useRecoveryCode(userId: string, digest: string): boolean {
		return this.q.useRecoveryCode.run(userId, this.key.codeHash(digest)).changes === 1;
	}
	recoveryCodesLeft(userId: string): number {
		return (this.q.recoveryCodesLeft.get(userId) as { n: number }).n;
	}
	/** A session's last action on an organization, and whether its access there ended; undefined before its first. */
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
	deleteSession(tokenHash: string) {
		this.q.deleteSession.run(tokenHash);
	}
	sessionsOf(userId: string): string[] {
		return (this.q.sessionsOf.all(userId) as { token_hash: string }[]).map((r) => r.token_hash);
	}

	insertEmailToken(tokenHash: string, userId: string, email: string, expiresAt: number) {
		this.q.insertToken.run(tokenHash, userId, email, expiresAt);
	}
	/** Marks the token used and returns it, once; undefined when unknown, used or expired. */
	consumeEmailToken(tokenHash: string, now: number) {
		const row = this.q.token.get(tokenHash) as { user_id: string; email: string; expires_at: number } | undefined;
		if (!row || row.expires_at < now) return undefined;
		return this.q.useToken.run(now, tokenHash).changes === 1 ? row : undefined;
	}

	docUpdates(docId: string) {
		return this.q.docUpdates.all(docId) as { seq: number; data: Buffer }[];
	}
	/** Returns the new row's sequence number. */
	appendUpdate(docId: string, data: Uint8Array): number {
		return Number(this.q.insertUpdate.run(docId, data).lastInsertRowid);
	}
	/** Replaces a document's update log by one merged update (call inside a transaction). */
	compact(docId: string, upToSeq: number, merged: Uint8Array): number {
		this.q.deleteUpdatesUpTo.run(docId, upToSeq);
		return this.appendUpdate(docId, merged);
	}

	docIdsWithPrefix(prefix: string): string[] {
		const rows = this.q.docIdsInRange.all(prefix, `${prefix}\u{10ffff}`) as { doc_id: string }[];
		return rows.map((r) => r.doc_id);
	}

	docsOf(userId: string): string[] {
		return (this.q.docsOf.all(userId) as { doc_id: string }[]).map((r) => r.doc_id);
	}
	addMembership(userId: string, docId: string) {
		this.q.addMembership.run(userId, docId);
	}
	removeMembership(userId: string, docId: string) {
		this.q.removeMembership.run(userId, docId);
	}

	putInvitation(orgId: string, projectId: string, inviteId: string, email: string) {
		this.q.putInvitation.run(orgId, projectId, inviteId, email.trim());
	}
	deleteInvitation(orgId: string, projectId: string, inviteId: string) {
		this.q.deleteInvitation.run(orgId, projectId, inviteId);
	}
	invitationsFor(email: string): InvitationRow[] {
		return this.q.invitationsFor.all(email.trim()) as InvitationRow[];
	}

	webhook(orgId: string): string | undefined {
		return (this.q.webhook.get(orgId) as { url: string } | undefined)?.url;
	}
	setWebhook(orgId: string, url: string | null) {
		if (url) this.q.setWebhook.run(orgId, url);
		else this.q.deleteWebhook.run(orgId);
	}

	/** One page of an organization's activity, newest first, filtered by what the entries name. */
	activity(orgId: string, f: ActivityFilter): ActivityRow[] {
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
		const sql = `select m.rowid as seq, m.user_id, u.username, m.type, m.body, m.ok, m.code, m.message, m.at
			from mutations m left join users u on u.id = m.user_id
			where ${where.join(' and ')} order by m.rowid desc limit ?`;
		return this.db.prepare(sql).all(...args, f.limit) as ActivityRow[];
	}

	/** The first verdict given to this mutation id, if it was seen before. */
	mutation(userId: string, id: string): { ok: true } | Refusal | undefined {
		const row = this.q.mutation.get(userId, id) as Row | undefined;
		if (!row) return undefined;
		return row.ok === 1 ? { ok: true } : { ok: false, code: row.code as RefusalCode, message: row.message as string };
	}
	recordMutation(r: MutationRecord) {
		this.q.insertMutation.run({ ...r, ok: r.ok ? 1 : 0 });
	}
}
