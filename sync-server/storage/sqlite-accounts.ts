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
import { createAccountTables, statements } from './sqlite-accounts-sql.ts';

type Row = Record<string, unknown>;

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';

/**
 * The accounts family in SQLite: its tables (sqlite-accounts-sql.ts) and its queries, answered
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
		createAccountTables(db);
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
