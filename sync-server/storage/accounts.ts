import type { UserProfile } from '$lib/domain/index.ts';

export interface StoredUser extends UserProfile {
	passwordHash: string;
}

/** A users row as either store keeps it (email_verified 0/1 or a boolean), as a StoredUser. */
export function userFromRow(row: Record<string, unknown> | undefined): StoredUser | undefined {
	if (!row) return undefined;
	return {
		id: row.id as string,
		username: row.username as string,
		email: row.email as string,
		emailVerified: Boolean(row.email_verified),
		displayName: row.display_name as string,
		twoFactor: row.totp_secret != null,
		passwordHash: row.password_hash as string,
		...(row.managed_by ? { managedBy: row.managed_by as string } : {}),
		...(row.service ? { service: true as const } : {})
	};
}

/** rules §5: a service account's secret as the server keeps it: the SHA-256 of its random part, never the secret. */
export interface ServiceSecretRow {
	userId: string;
	hash: string;
	lastUsedAt: number | null;
}

/** A secret's last use is written at most this often: a busy script costs no write per request. */
export const SECRET_TOUCH_EVERY_MS = 60_000;

/** A user's two-factor secrets (opened: the store keeps them sealed): server-only, never in a document or an answer but enrolment's. */
export interface TwoFactorRow {
	secret: string | null;
	pending: string | null;
	lastStep: number | null;
}

export interface SessionRow {
	user_id: string;
	created_at: number;
	last_seen_at: number;
	/** When a two-factor code was last entered in this session (rules §4 step-up). */
	stepped_up_at: number | null;
	/** The identity provider it was signed in through (rules §2 single sign-on); null for a password sign-in. */
	sso_provider: string | null;
}

/** A session's last action on an organization, and whether its access there ended (rules §2 session timeouts). */
export interface SessionOrgRow {
	lastSeenAt: number;
	expired: boolean;
}

export interface EmailTokenRow {
	user_id: string;
	email: string;
	expires_at: number;
}

/**
 * Accounts and sessions: users, their sessions (with each session's step-up and per-organization
 * activity), two-factor secrets and recovery codes, and email verification tokens. Every answer
 * is a promise, so a networked store (PostgreSQL) fits; tests/server/accounts-contract.ts is what
 * any implementation must pass. Tokens and codes arrive hashed; two-factor secrets in the clear
 * (the store seals them).
 */
export interface AccountStore {
	/** A MAC with the store's secret key (the key file every server shares), for one purpose: what a signed cookie carries. */
	mac(purpose: string, data: string): Promise<Buffer>;
	user(id: string): Promise<StoredUser | undefined>;
	/** Case-insensitive. */
	userByUsername(username: string): Promise<StoredUser | undefined>;
	/** Users whose verified address this is (a few at most; the count only needs to tell one from several). */
	verifiedUsersByEmail(email: string): Promise<StoredUser[]>;
	/** Accounts an organization provisioned (managed, no password, not a service account) at this address, verified or not. */
	unclaimedUsersByEmail(email: string): Promise<StoredUser[]>;
	/** False when the username is taken (unique, case-insensitive); nothing is written then. */
	insertUser(user: StoredUser, createdAt: number): Promise<boolean>;
	/** Deletes the account: its sessions, codes and email tokens go with it. */
	deleteUser(userId: string): Promise<void>;
	/** Only while the user's address is still the one the token was sent to. */
	markEmailVerified(userId: string, email: string): Promise<boolean>;
	/** False when the username is taken by another user; nothing changes then. */
	updateProfile(userId: string, profile: { username: string; displayName: string }): Promise<boolean>;
	/** A new address is unverified until a link sent to it is used. */
	setEmail(userId: string, email: string): Promise<void>;
	setPasswordHash(userId: string, passwordHash: string): Promise<void>;
	/** Sets a new password hash and ends every session of the user but `keep`, at once; answers the ended sessions. */
	replacePassword(userId: string, passwordHash: string, keep?: string): Promise<string[]>;

	/**
	 * `steppedUp`: the session starts confirmed (signed in with a two-factor code). A user keeps
	 * at most `keep` sessions: the oldest beyond them are deleted, and returned so their sockets close.
	 */
	insertSession(
		tokenHash: string,
		userId: string,
		now: number,
		steppedUp?: boolean,
		keep?: number,
		ssoProvider?: string
	): Promise<string[]>;
	session(tokenHash: string): Promise<SessionRow | undefined>;
	/** A code was entered in this session (rules §4 step-up). */
	stepUp(tokenHash: string, now: number): Promise<void>;
	deleteSession(tokenHash: string): Promise<void>;
	sessionsOf(userId: string): Promise<string[]>;
	/** Undefined before the session's first action on the organization. */
	sessionOrg(tokenHash: string, orgId: string): Promise<SessionOrgRow | undefined>;
	/** Records activity; an ended access stays ended, and a session ended meanwhile gets no row. */
	touchSessionOrg(tokenHash: string, orgId: string, now: number): Promise<void>;
	expireSessionOrg(tokenHash: string, orgId: string, now: number): Promise<void>;

	twoFactor(userId: string): Promise<TwoFactorRow | undefined>;
	/** A secret offered at enrolment, active only once a code from it is confirmed. */
	setTotpPending(userId: string, secret: string): Promise<void>;
	/** Turns two-factor on with the pending secret and a fresh set of recovery codes, at once; false without a pending secret. */
	enableTotp(userId: string, step: number, recoveryHashes: string[]): Promise<boolean>;
	/** Two-factor off: secrets and recovery codes gone. */
	disableTotp(userId: string): Promise<void>;
	/** Records the time step of an accepted code; false when that step (or a later one) was used already, so no code works twice. */
	useTotpStep(userId: string, step: number): Promise<boolean>;
	/** `digests` are recoveryHash's; the old codes stop working. */
	replaceRecoveryCodes(userId: string, digests: string[]): Promise<void>;
	/** Spends a recovery code by its digest; true once per code. */
	useRecoveryCode(userId: string, digest: string): Promise<boolean>;
	recoveryCodesLeft(userId: string): Promise<number>;

	/** rules §2 single sign-on: the user a provider's subject is linked to. */
	ssoUser(provider: string, subject: string): Promise<string | undefined>;
	/** Links a provider's subject to a user; false when that subject is linked already (the first link stays). */
	linkSso(provider: string, subject: string, userId: string, now: number): Promise<boolean>;
	/** rules §5 provisioning (docs/scim.md): the user an identity provider's externalId names in an organization. */
	scimUser(orgId: string, externalId: string): Promise<string | undefined>;
	/** The externalId a provider gave a user, if any. */
	scimExternalId(userId: string): Promise<string | undefined>;
	/** Gives a user its externalId (replacing its former one); false when another user of the organization holds it. */
	setScimExternalId(orgId: string, userId: string, externalId: string): Promise<boolean>;

	insertEmailToken(tokenHash: string, userId: string, email: string, expiresAt: number): Promise<void>;
	/** Marks the token used and returns it, once; undefined when unknown, used or expired. */
	consumeEmailToken(tokenHash: string, now: number): Promise<EmailTokenRow | undefined>;

	/** rules §5: a service account's new secret, by the SHA-256 of its random part; deleting the account deletes its secrets. */
	insertServiceSecret(secretId: string, userId: string, hash: string): Promise<void>;
	serviceSecret(secretId: string): Promise<ServiceSecretRow | undefined>;
	deleteServiceSecret(secretId: string): Promise<void>;
	/** Records a use, at most once per SECRET_TOUCH_EVERY_MS. */
	touchServiceSecret(secretId: string, now: number): Promise<void>;
	/** When each of the account's secrets was last used (null: never). */
	serviceSecretsUsed(userId: string): Promise<Record<string, number | null>>;
}

/** The same methods answered at once, as an embedded database (SQLite) can: what the hub reads while it checks a mutation. */
export type AccountRows = { [K in keyof AccountStore]: (...args: Parameters<AccountStore[K]>) => Awaited<ReturnType<AccountStore[K]>> };

/** Every method of the interface, so that the adapter below cannot miss one. */
const METHODS: Record<keyof AccountStore, true> = {
	mac: true,
	user: true,
	userByUsername: true,
	verifiedUsersByEmail: true,
	unclaimedUsersByEmail: true,
	insertUser: true,
	deleteUser: true,
	markEmailVerified: true,
	updateProfile: true,
	setEmail: true,
	setPasswordHash: true,
	replacePassword: true,
	insertSession: true,
	session: true,
	stepUp: true,
	deleteSession: true,
	sessionsOf: true,
	sessionOrg: true,
	touchSessionOrg: true,
	expireSessionOrg: true,
	twoFactor: true,
	setTotpPending: true,
	enableTotp: true,
	disableTotp: true,
	useTotpStep: true,
	replaceRecoveryCodes: true,
	useRecoveryCode: true,
	recoveryCodesLeft: true,
	ssoUser: true,
	linkSso: true,
	scimUser: true,
	scimExternalId: true,
	setScimExternalId: true,
	insertEmailToken: true,
	consumeEmailToken: true,
	insertServiceSecret: true,
	serviceSecret: true,
	deleteServiceSecret: true,
	touchServiceSecret: true,
	serviceSecretsUsed: true
};

/** An immediate store behind the asynchronous interface; a throw becomes a rejection, as a networked store's would be. */
export function asyncAccounts(rows: AccountRows): AccountStore {
	const store: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
	for (const name of Object.keys(METHODS) as (keyof AccountStore)[]) {
		store[name] = async (...args) => Reflect.apply(rows[name], rows, args) as unknown;
	}
	return store as unknown as AccountStore;
}
