import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { docMap } from '$lib/domain/index.ts';
import { orgDocId } from '$lib/protocol/messages.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';
import { api, createAccount, createSecret, refusal, send } from './service-account-client.ts';
import { post } from './test-client.ts';
import { row, rows, sqliteFiles } from './store-sql.ts';

const ok = { t: 'verdict', ok: true };
const t = serverForEachTest();

async function acme() {
	return orgWith(t, { members: { bob: 'ORG_MEMBER' }, projects: [{ id: 'apollo', name: 'Apollo' }] });
}

describe('service accounts from the console (rules §5)', () => {
	it('an owner creates one: a member at once with its org and project roles, marked a service account, with no password', async () => {
		const { alice } = await acme();
		const userId = await createAccount(t, alice.cookie, {
			username: 'ci-bot',
			role: 'ORG_READ_ONLY',
			description: 'Nightly report',
			projects: [{ projectId: 'apollo', roles: ['PROJECT_READ_ONLY'] }]
		});
		await alice.client.until(() => alice.client.org('acme').members[userId] !== undefined);
		expect(alice.client.org('acme').members[userId]).toMatchObject({
			username: 'ci-bot',
			role: 'ORG_READ_ONLY',
			service: true,
			managedBy: 'acme'
		});
		expect(await row(t.server, 'select password_hash from users where id = ?', userId)).toEqual({ password_hash: '' });
		const list = await send(t, 'GET', '/api/service-accounts?org=acme', alice.cookie);
		expect(await list.json()).toMatchObject({
			accounts: [{ userId, username: 'ci-bot', role: 'ORG_READ_ONLY', description: 'Nightly report', secrets: [] }]
		});
		const projects = (await (
			await api(t, (await createSecret(t, alice.cookie, userId)).secret, 'GET', '/api/v1/orgs/acme/projects')
		).json()) as {
			projects: { id: string; users: unknown[] }[];
		};
		expect(projects.projects.find((p) => p.id === 'apollo')?.users).toContainEqual({ userId, roles: ['PROJECT_READ_ONLY'] });
	});

	it('a refused creation leaves no account behind, and only owners may create or list', async () => {
		const { alice, bob } = await acme();
		const res = await send(t, 'POST', '/api/service-accounts', alice.cookie, {
			org: 'acme',
			username: 'ci-bot',
			role: 'ORG_MEMBER',
			projects: [{ projectId: 'nowhere', roles: ['PROJECT_OWNER'] }]
		});
		await refusal(res, 409, 'PROJECT_NOT_FOUND');
		expect(await t.server.accounts.userByUsername('ci-bot')).toBeUndefined();
		await refusal(
			await send(t, 'POST', '/api/service-accounts', bob.cookie, { org: 'acme', username: 'x-bot', role: 'ORG_MEMBER' }),
			403,
			'FORBIDDEN'
		);
		await refusal(await send(t, 'GET', '/api/service-accounts?org=acme', bob.cookie), 403, 'FORBIDDEN');
		await refusal(
			await send(t, 'POST', '/api/service-accounts', alice.cookie, { org: 'acme', username: 'bob', role: 'ORG_MEMBER' }),
			409,
			'USERNAME_TAKEN'
		);
		await refusal(
			await send(t, 'POST', '/api/service-accounts', alice.cookie, { org: 'acme', username: 'y-bot', role: 'ORG_MEMBER', extra: 1 }),
			400,
			'INVALID_INPUT'
		);
	});

	it('a secret is shown once and stored hashed: neither the store nor the document nor the list holds it', async () => {
		const { alice } = await acme();
		const userId = await createAccount(t, alice.cookie, { username: 'ci-bot', role: 'ORG_MEMBER' });
		const { secret, secretId, expiresAt } = await createSecret(t, alice.cookie, userId, 30);
		expect(secret).toMatch(new RegExp(`^roster_sa_${secretId}_[A-Za-z0-9_-]{43}$`));
		const random = secret.slice(`roster_sa_${secretId}_`.length);
		const stored = await row(t.server, 'select hash from service_secrets where secret_id = ?', secretId);
		expect(stored).toEqual({ hash: createHash('sha256').update(random).digest('base64url') });
		const list = await (await send(t, 'GET', '/api/service-accounts?org=acme', alice.cookie)).text();
		expect(list).toContain(secretId);
		expect(list).not.toContain(random);
		const accounts = () => docMap(alice.client.docs.get(orgDocId('acme'))!, 'serviceAccount');
		await alice.client.until(() => accounts().get(userId)?.secrets.length === 1);
		expect(accounts().get(userId)!.secrets).toEqual([{ id: secretId, createdAt: expect.any(Number), createdBy: alice.user.id, expiresAt }]);
		expect(JSON.stringify(alice.client.docs.get(orgDocId('acme'))!.toJSON())).not.toContain(random);
		for (const file of sqliteFiles(t.dataDir)) expect(file).not.toContain(random);
		const activity = await (await send(t, 'GET', '/api/activity?org=acme', alice.cookie)).text();
		expect(activity).not.toContain(random);
		expect(JSON.parse(list)).toMatchObject({ accounts: [{ secrets: [{ id: secretId, expiresAt, lastUsedAt: null }] }] });
		await api(t, secret, 'GET', '/api/v1/orgs/acme');
		const used = (await (await send(t, 'GET', '/api/service-accounts?org=acme', alice.cookie)).json()) as {
			accounts: { secrets: { lastUsedAt: number | null }[] }[];
		};
		expect(used.accounts[0]!.secrets[0]!.lastUsedAt).toEqual(expect.any(Number));
	});

	it('a secret past the cap, or a sixth live one, is refused, and nothing is stored for it', async () => {
		const { alice } = await acme();
		const userId = await createAccount(t, alice.cookie, { username: 'ci-bot', role: 'ORG_MEMBER' });
		expect(await alice.client.mutate({ type: 'serviceAccount.setPolicy', orgId: 'acme', secretMaxDays: 30 })).toMatchObject(ok);
		await refusal(
			await send(t, 'POST', '/api/service-accounts/secrets', alice.cookie, { org: 'acme', userId, expiresInDays: 31 }),
			409,
			'SECRET_EXPIRY'
		);
		for (let i = 0; i < 5; i++) await createSecret(t, alice.cookie, userId);
		await refusal(await send(t, 'POST', '/api/service-accounts/secrets', alice.cookie, { org: 'acme', userId }), 409, 'TOO_MANY_SECRETS');
		expect(await rows(t.server, 'select secret_id from service_secrets where user_id = ?', userId)).toHaveLength(5);
	});

	it('a service account never signs in, and never gets a session', async () => {
		const { alice } = await acme();
		await createAccount(t, alice.cookie, { username: 'ci-bot', role: 'ORG_OWNER' });
		for (const password of ['', 'anything at all', 'correct horse battery']) {
			const message = await refusal(
				await post(t.base, '/api/signin', { username: 'ci-bot', password: password || 'x' }),
				401,
				'SERVICE_ACCOUNT'
			);
			expect(message).toMatch(/service account/);
		}
		expect(
			await rows(t.server, 'select token_hash from sessions where user_id = (select id from users where username = ?)', 'ci-bot')
		).toEqual([]);
	});

	it('a browser revokes a secret with the mutation: refused at the next request', async () => {
		const { alice } = await acme();
		const userId = await createAccount(t, alice.cookie, { username: 'ci-bot', role: 'ORG_MEMBER' });
		const { secret, secretId } = await createSecret(t, alice.cookie, userId);
		expect((await api(t, secret, 'GET', '/api/v1/orgs/acme')).status).toBe(200);
		expect(await alice.client.mutate({ type: 'serviceAccount.revokeSecret', orgId: 'acme', userId, secretId })).toMatchObject(ok);
		await refusal(await api(t, secret, 'GET', '/api/v1/orgs/acme'), 401, 'INVALID_SECRET');
		// Its hash goes once the revocation is durable (a reaction to the commit, with no event of its own to await).
		await vi.waitFor(async () =>
			expect(await row(t.server, 'select hash from service_secrets where secret_id = ?', secretId)).toBeUndefined()
		);
	});

	it('deleting one takes it out of the organization, deletes its account and secrets, and its secret stops', async () => {
		const { alice } = await acme();
		const userId = await createAccount(t, alice.cookie, { username: 'ci-bot', role: 'ORG_MEMBER' });
		const { secret } = await createSecret(t, alice.cookie, userId);
		const res = await send(t, 'DELETE', '/api/service-accounts', alice.cookie, { org: 'acme', userId });
		expect(res.status).toBe(200);
		await alice.client.until(() => alice.client.org('acme').members[userId] === undefined);
		expect(await t.server.accounts.user(userId)).toBeUndefined();
		expect(await rows(t.server, 'select secret_id from service_secrets where user_id = ?', userId)).toEqual([]);
		await refusal(await api(t, secret, 'GET', '/api/v1/orgs/acme'), 401, 'INVALID_SECRET');
		// Not a service account: a person is never deleted through this route.
		const bob = Object.values(alice.client.org('acme').members).find((m) => m.username === 'bob')!;
		await refusal(
			await send(t, 'DELETE', '/api/service-accounts', alice.cookie, { org: 'acme', userId: bob.userId }),
			404,
			'SERVICE_ACCOUNT_NOT_FOUND'
		);
		expect(await t.server.accounts.user(bob.userId)).toBeDefined();
	});

	it('from the socket, creating, deleting and making secrets are refused as server-only; removing one as a member is refused', async () => {
		const { alice } = await acme();
		const userId = await createAccount(t, alice.cookie, { username: 'ci-bot', role: 'ORG_MEMBER' });
		for (const mutation of [
			{ type: 'serviceAccount.add', orgId: 'acme', userId, description: '', role: 'ORG_MEMBER' },
			{ type: 'serviceAccount.addSecret', orgId: 'acme', userId, secretId: 's1', expiresAt: Date.now() + 1000 },
			{ type: 'serviceAccount.delete', orgId: 'acme', userId }
		]) {
			expect(await alice.client.mutate(mutation)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
		}
		expect(await alice.client.mutate({ type: 'member.remove', orgId: 'acme', userId })).toMatchObject({
			ok: false,
			code: 'SERVICE_ACCOUNT_REMOVAL'
		});
		expect(await alice.client.mutate({ type: 'org.transferPrimaryAdmin', orgId: 'acme', userId })).toMatchObject({
			ok: false,
			code: 'SERVICE_ACCOUNT_PRIMARY_ADMIN'
		});
	});
});
