import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountStore, StoredUser } from '../../sync-server/storage/accounts.ts';

/** A store made for one test, and how to let it go. */
export interface AccountsUnderTest {
	accounts: AccountStore;
	close(): Promise<void>;
}

const NOW = 1_700_000_000_000;

function user(username: string, over: Partial<StoredUser> = {}): StoredUser {
	return {
		id: `u-${username}`,
		username,
		email: `${username}@example.com`,
		emailVerified: false,
		displayName: username.toUpperCase(),
		twoFactor: false,
		passwordHash: `hash-of-${username}`,
		...over
	};
}

/**
 * What every AccountStore must do, whatever holds the rows (SQLite today, PostgreSQL next):
 * an implementation's test calls this with a factory of fresh, empty stores.
 */
export function accountsContract(name: string, open: () => Promise<AccountsUnderTest>) {
	describe(`AccountStore contract: ${name}`, () => {
		let store: AccountsUnderTest;
		let a: AccountStore;
		beforeEach(async () => {
			store = await open();
			a = store.accounts;
		});
		afterEach(() => store.close());

		describe('users', () => {
			it('finds a user by id and by username in any case; a taken username (any case) is refused and writes nothing', async () => {
				expect(await a.insertUser(user('ann'), NOW)).toBe(true);
				expect(await a.user('u-ann')).toEqual(user('ann'));
				expect((await a.userByUsername('ANN'))?.id).toBe('u-ann');
				expect(await a.insertUser(user('Ann', { id: 'u-other' }), NOW)).toBe(false);
				expect(await a.user('u-other')).toBeUndefined();
				expect(await a.user('u-nobody')).toBeUndefined();
				expect(await a.userByUsername('nobody')).toBeUndefined();
			});

			it('keeps managedBy, and answers twoFactor from the secret', async () => {
				await a.insertUser(user('mia', { managedBy: 'acme' }), NOW);
				expect(await a.user('u-mia')).toMatchObject({ managedBy: 'acme', twoFactor: false });
			});

			it('verifies an address only while it is still the user’s, and finds users by verified address only', async () => {
				await a.insertUser(user('ann'), NOW);
				expect(await a.verifiedUsersByEmail('ann@example.com')).toEqual([]);
				expect(await a.markEmailVerified('u-ann', 'old@example.com')).toBe(false);
				expect(await a.markEmailVerified('u-ann', 'ann@example.com')).toBe(true);
				expect((await a.verifiedUsersByEmail(' ANN@example.com ')).map((u) => u.id)).toEqual(['u-ann']);
				await a.setEmail('u-ann', 'new@example.com');
				expect(await a.user('u-ann')).toMatchObject({ email: 'new@example.com', emailVerified: false });
			});

			it('finds accounts an organization provisioned (managed, no password, not a service account) by address, verified or not', async () => {
				await a.insertUser({ ...user('pat', { managedBy: 'acme' }), passwordHash: '' }, NOW);
				await a.insertUser(user('mia', { managedBy: 'acme' }), NOW);
				await a.insertUser({ ...user('bot', { managedBy: 'acme' }), passwordHash: '', service: true }, NOW);
				await a.insertUser({ ...user('ann'), passwordHash: '' }, NOW);
				for (const name of ['pat', 'mia', 'bot', 'ann']) await a.setEmail(`u-${name}`, 'same@example.com');
				expect((await a.unclaimedUsersByEmail(' SAME@example.com ')).map((u) => u.id)).toEqual(['u-pat']);
			});

			it('renames unless another user holds the name (any case); a user may change the case of its own', async () => {
				await a.insertUser(user('ann'), NOW);
				await a.insertUser(user('bob'), NOW);
				expect(await a.updateProfile('u-ann', { username: 'BOB', displayName: 'x' })).toBe(false);
				expect(await a.user('u-ann')).toMatchObject({ username: 'ann', displayName: 'ANN' });
				expect(await a.updateProfile('u-ann', { username: 'Ann', displayName: 'Ann A.' })).toBe(true);
				expect(await a.user('u-ann')).toMatchObject({ username: 'Ann', displayName: 'Ann A.' });
			});

			it('deleting a user takes its sessions, codes and tokens with it', async () => {
				await a.insertUser(user('ann'), NOW);
				await a.insertSession('s1', 'u-ann', NOW);
				await a.insertEmailToken('t1', 'u-ann', 'ann@example.com', NOW + 1000);
				await a.deleteUser('u-ann');
				expect(await a.user('u-ann')).toBeUndefined();
				expect(await a.session('s1')).toBeUndefined();
				expect(await a.sessionsOf('u-ann')).toEqual([]);
				expect(await a.consumeEmailToken('t1', NOW)).toBeUndefined();
			});
		});

		describe('passwords and sessions', () => {
			beforeEach(() => a.insertUser(user('ann'), NOW));

			it('a session records its user, start and step-up; it ends when deleted', async () => {
				expect(await a.insertSession('s1', 'u-ann', NOW)).toEqual([]);
				expect(await a.session('s1')).toEqual({
					user_id: 'u-ann',
					created_at: NOW,
					last_seen_at: NOW,
					stepped_up_at: null,
					sso_provider: null
				});
				await a.insertSession('s2', 'u-ann', NOW + 1, true);
				expect((await a.session('s2'))?.stepped_up_at).toBe(NOW + 1);
				await a.stepUp('s1', NOW + 5);
				expect((await a.session('s1'))?.stepped_up_at).toBe(NOW + 5);
				expect((await a.sessionsOf('u-ann')).sort()).toEqual(['s1', 's2']);
				await a.deleteSession('s1');
				expect(await a.session('s1')).toBeUndefined();
				expect(await a.sessionsOf('u-ann')).toEqual(['s2']);
			});

			it('a session signed in through an identity provider names it', async () => {
				await a.insertSession('s3', 'u-ann', NOW, false, 50, 'corp');
				expect((await a.session('s3'))?.sso_provider).toBe('corp');
			});

			it("links a provider's subject to one user, once; the link goes with the user", async () => {
				await a.insertUser(user('bob'), NOW);
				expect(await a.ssoUser('corp', 'sub-1')).toBeUndefined();
				expect(await a.linkSso('corp', 'sub-1', 'u-ann', NOW)).toBe(true);
				expect(await a.linkSso('corp', 'sub-1', 'u-bob', NOW)).toBe(false);
				expect(await a.linkSso('other', 'sub-1', 'u-bob', NOW)).toBe(true);
				expect(await a.ssoUser('corp', 'sub-1')).toBe('u-ann');
				expect(await a.ssoUser('other', 'sub-1')).toBe('u-bob');
				await a.deleteUser('u-ann');
				expect(await a.ssoUser('corp', 'sub-1')).toBeUndefined();
			});

			it('keeps the externalId a provider gave a user, one holder per organization; it goes with the user', async () => {
				await a.insertUser(user('bob'), NOW);
				expect(await a.scimUser('acme', 'ext-1')).toBeUndefined();
				expect(await a.setScimExternalId('acme', 'u-ann', 'ext-1')).toBe(true);
				expect(await a.setScimExternalId('acme', 'u-bob', 'ext-1')).toBe(false);
				expect(await a.setScimExternalId('acme', 'u-ann', 'ext-1')).toBe(true);
				expect(await a.setScimExternalId('acme', 'u-ann', 'ext-2')).toBe(true);
				expect(await a.scimUser('acme', 'ext-1')).toBeUndefined();
				expect([await a.scimUser('acme', 'ext-2'), await a.scimExternalId('u-ann'), await a.scimExternalId('u-bob')]).toEqual([
					'u-ann',
					'ext-2',
					undefined
				]);
				await a.deleteUser('u-ann');
				expect(await a.scimUser('acme', 'ext-2')).toBeUndefined();
			});

			it('keeps at most `keep` sessions per user: the oldest beyond them end and are named, never the new one', async () => {
				for (let i = 0; i < 3; i++) expect(await a.insertSession(`s${i}`, 'u-ann', NOW + i, false, 3)).toEqual([]);
				expect(await a.insertSession('s3', 'u-ann', NOW + 3, false, 3)).toEqual(['s0']);
				// Started at the same moment as every other: still the one kept.
				expect((await a.insertSession('s4', 'u-ann', NOW, false, 3)).sort()).toEqual(['s1']);
				expect((await a.sessionsOf('u-ann')).sort()).toEqual(['s2', 's3', 's4']);
			});

			it('a new password ends every session but the one kept, and names them', async () => {
				await a.insertSession('s1', 'u-ann', NOW);
				await a.insertSession('s2', 'u-ann', NOW);
				expect(await a.replacePassword('u-ann', 'new-hash', 's1')).toEqual(['s2']);
				expect((await a.user('u-ann'))?.passwordHash).toBe('new-hash');
				expect(await a.sessionsOf('u-ann')).toEqual(['s1']);
				expect(await a.replacePassword('u-ann', 'newer-hash')).toEqual(['s1']);
				expect(await a.sessionsOf('u-ann')).toEqual([]);
				await a.setPasswordHash('u-ann', 'rehashed');
				expect((await a.user('u-ann'))?.passwordHash).toBe('rehashed');
			});

			it("a session's access to an organization: activity recorded, an end that sticks, nothing for an ended session", async () => {
				await a.insertSession('s1', 'u-ann', NOW);
				expect(await a.sessionOrg('s1', 'acme')).toBeUndefined();
				await a.touchSessionOrg('s1', 'acme', NOW + 10);
				expect(await a.sessionOrg('s1', 'acme')).toEqual({ lastSeenAt: NOW + 10, expired: false });
				await a.expireSessionOrg('s1', 'acme', NOW + 20);
				await a.touchSessionOrg('s1', 'acme', NOW + 30);
				expect(await a.sessionOrg('s1', 'acme')).toMatchObject({ expired: true });
				expect(await a.sessionOrg('s1', 'other')).toBeUndefined();
				await a.deleteSession('s1');
				await a.touchSessionOrg('s1', 'acme', NOW + 40);
				expect(await a.sessionOrg('s1', 'acme')).toBeUndefined();
			});
		});

		describe('two-factor', () => {
			beforeEach(() => a.insertUser(user('ann'), NOW));

			it('a pending secret turns on only by enableTotp, with its recovery codes; off clears everything', async () => {
				expect(await a.enableTotp('u-ann', 1, ['r1'])).toBe(false);
				await a.setTotpPending('u-ann', 'SECRET');
				expect(await a.twoFactor('u-ann')).toEqual({ secret: null, pending: 'SECRET', lastStep: null });
				expect(await a.enableTotp('u-ann', 7, ['r1', 'r2'])).toBe(true);
				expect(await a.twoFactor('u-ann')).toEqual({ secret: 'SECRET', pending: null, lastStep: 7 });
				expect(await a.user('u-ann')).toMatchObject({ twoFactor: true });
				expect(await a.recoveryCodesLeft('u-ann')).toBe(2);
				await a.disableTotp('u-ann');
				expect(await a.twoFactor('u-ann')).toEqual({ secret: null, pending: null, lastStep: null });
				expect(await a.recoveryCodesLeft('u-ann')).toBe(0);
				expect(await a.twoFactor('u-nobody')).toBeUndefined();
			});

			it('a time step is accepted once, and never one older than the last', async () => {
				await a.setTotpPending('u-ann', 'SECRET');
				await a.enableTotp('u-ann', 7, []);
				expect(await a.useTotpStep('u-ann', 7)).toBe(false);
				expect(await a.useTotpStep('u-ann', 8)).toBe(true);
				expect(await a.useTotpStep('u-ann', 8)).toBe(false);
				expect(await a.useTotpStep('u-ann', 6)).toBe(false);
			});

			it('a recovery code works once; a new set replaces the old', async () => {
				await a.setTotpPending('u-ann', 'SECRET');
				await a.enableTotp('u-ann', 1, ['r1', 'r2']);
				expect(await a.useRecoveryCode('u-ann', 'r1')).toBe(true);
				expect(await a.useRecoveryCode('u-ann', 'r1')).toBe(false);
				expect(await a.recoveryCodesLeft('u-ann')).toBe(1);
				await a.replaceRecoveryCodes('u-ann', ['r3']);
				expect(await a.useRecoveryCode('u-ann', 'r2')).toBe(false);
				expect(await a.useRecoveryCode('u-ann', 'r3')).toBe(true);
			});
		});

		describe('email tokens', () => {
			beforeEach(() => a.insertUser(user('ann'), NOW));

			it('a token is consumed once, and not after it expires', async () => {
				await a.insertEmailToken('t1', 'u-ann', 'ann@example.com', NOW + 1000);
				await a.insertEmailToken('t2', 'u-ann', 'ann@example.com', NOW + 1000);
				expect(await a.consumeEmailToken('t1', NOW)).toMatchObject({ user_id: 'u-ann', email: 'ann@example.com' });
				expect(await a.consumeEmailToken('t1', NOW)).toBeUndefined();
				expect(await a.consumeEmailToken('t2', NOW + 1001)).toBeUndefined();
				expect(await a.consumeEmailToken('unknown', NOW)).toBeUndefined();
			});
		});

		describe('service account secrets (rules §5)', () => {
			beforeEach(() => a.insertUser(user('bot', { managedBy: 'acme', service: true, passwordHash: '' }), NOW));

			it('keeps the service flag, and a secret by its hash; a use is recorded at most once a minute', async () => {
				expect(await a.user('u-bot')).toMatchObject({ service: true, managedBy: 'acme' });
				await a.insertServiceSecret('s1', 'u-bot', 'h1');
				await a.insertServiceSecret('s2', 'u-bot', 'h2');
				expect(await a.serviceSecret('s1')).toEqual({ userId: 'u-bot', hash: 'h1', lastUsedAt: null });
				expect(await a.serviceSecret('unknown')).toBeUndefined();
				await a.touchServiceSecret('s1', NOW);
				await a.touchServiceSecret('s1', NOW + 59_000);
				expect((await a.serviceSecret('s1'))!.lastUsedAt).toBe(NOW);
				await a.touchServiceSecret('s1', NOW + 60_000);
				expect(await a.serviceSecretsUsed('u-bot')).toEqual({ s1: NOW + 60_000, s2: null });
			});

			it('a deleted secret, or one of a deleted account, is gone', async () => {
				await a.insertServiceSecret('s1', 'u-bot', 'h1');
				await a.insertServiceSecret('s2', 'u-bot', 'h2');
				await a.deleteServiceSecret('s1');
				expect(await a.serviceSecret('s1')).toBeUndefined();
				await a.deleteUser('u-bot');
				expect(await a.serviceSecret('s2')).toBeUndefined();
				expect(await a.serviceSecretsUsed('u-bot')).toEqual({});
			});
		});
	});
}
