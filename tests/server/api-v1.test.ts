import { beforeEach, describe, expect, it } from 'vitest';
import { docMap } from '$lib/domain/index.ts';
import { orgDocId } from '$lib/protocol/messages.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';
import { api, createAccount, createSecret, refusal } from './service-account-client.ts';

const DAY = 86_400_000;
let now = Date.now();
beforeEach(() => {
	now = Date.now();
});
const t = serverForEachTest({ now: () => now });

/** alice owns Acme, bob is a member and carol Read Only; Apollo has bob as Read only. */
async function acme() {
	return orgWith<'alice', 'bob' | 'carol'>(t, {
		members: { bob: 'ORG_MEMBER', carol: 'ORG_READ_ONLY' },
		teams: [{ id: 'ops', name: 'Ops', members: ['bob'] }],
		projects: [{ id: 'apollo', name: 'Apollo', users: { bob: ['PROJECT_READ_ONLY'] } }]
	});
}

/** A service account of Acme in `role`, and a secret of it. */
async function bot(cookie: string, role: string, username = 'ci-bot', days?: number) {
	const userId = await createAccount(t, cookie, { username, role });
	return { userId, ...(await createSecret(t, cookie, userId, days)) };
}

const mutation = (secret: string, id: string, m: Record<string, unknown>) =>
	api(t, secret, 'POST', '/api/v1/orgs/acme/mutations', { id, mutation: { orgId: 'acme', ...m } });

describe('bearer authentication (rules §5)', () => {
	it('no secret, a malformed, tampered, unknown or expired one: 401, never saying which', async () => {
		const { alice } = await acme();
		const { secret, secretId } = await bot(alice.cookie, 'ORG_READ_ONLY', 'ci-bot', 1);
		expect((await api(t, secret, 'GET', '/api/v1/orgs/acme')).status).toBe(200);
		await refusal(await api(t, undefined, 'GET', '/api/v1/orgs/acme'), 401, 'UNAUTHENTICATED');
		const last = secret.at(-1) === 'A' ? 'B' : 'A';
		const unknown = secret.replace(secretId, 'f'.repeat(24));
		const messages = new Set<string>();
		for (const bad of ['nonsense', `${secret.slice(0, -1)}${last}`, unknown, `${secret}x`]) {
			messages.add(await refusal(await api(t, bad, 'GET', '/api/v1/orgs/acme'), 401, 'INVALID_SECRET'));
		}
		now += DAY + 1;
		messages.add(await refusal(await api(t, secret, 'GET', '/api/v1/orgs/acme'), 401, 'INVALID_SECRET'));
		expect(messages.size).toBe(1);
	});

	it('opens its own organization only: another answers as a missing one does', async () => {
		const { alice } = await acme();
		const { secret } = await bot(alice.cookie, 'ORG_OWNER');
		expect(await alice.client.mutate({ type: 'org.create', orgId: 'other', name: 'Other' })).toMatchObject({ ok: true });
		const other = await refusal(await api(t, secret, 'GET', '/api/v1/orgs/other/members'), 403, 'NOT_A_MEMBER');
		expect(await refusal(await api(t, secret, 'GET', '/api/v1/orgs/nowhere/members'), 403, 'NOT_A_MEMBER')).toBe(other);
		await refusal(await mutation(secret, 'm1', { orgId: 'other', type: 'org.rename', name: 'Mine' }), 400, 'INVALID_MUTATION');
	});
});

describe('mutations (rules §5)', () => {
	it('a mutation reaches a member’s open socket live and the activity names the account', async () => {
		const { alice, bob } = await acme();
		const { secret } = await bot(alice.cookie, 'ORG_OWNER');
		const res = await mutation(secret, 'create-dev', { type: 'team.create', teamId: 'dev', name: 'Dev' });
		expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { ok: true } });
		await bob.client.until(() => docMap(bob.client.docs.get(orgDocId('acme'))!, 'team').get('dev') !== undefined);
		const feed = (await (await api(t, secret, 'GET', '/api/v1/orgs/acme/activity?kind=team.create')).json()) as {
			entries: { actor: { username: string }; type: string; ok: boolean }[];
		};
		expect(feed.entries[0]).toMatchObject({ actor: { username: 'ci-bot' }, type: 'team.create', ok: true });
	});

	it('the same id is answered with the same verdict and applied once', async () => {
		const { alice } = await acme();
		const { secret } = await bot(alice.cookie, 'ORG_OWNER');
		const first = await mutation(secret, 'once', { type: 'team.create', teamId: 'dev', name: 'Dev' });
		const again = await mutation(secret, 'once', { type: 'team.create', teamId: 'dev', name: 'Dev' });
		expect([first.status, again.status]).toEqual([200, 200]);
		const fresh = await mutation(secret, 'twice', { type: 'team.create', teamId: 'dev', name: 'Dev' });
		await refusal(fresh, 409, 'TEAM_EXISTS');
		await refusal(await mutation(secret, 'twice', { type: 'team.create', teamId: 'dev', name: 'Dev' }), 409, 'TEAM_EXISTS');
		const feed = (await (await api(t, secret, 'GET', '/api/v1/orgs/acme/activity?kind=team.create')).json()) as {
			entries: { actor: { username: string }; ok: boolean }[];
		};
		expect(feed.entries.filter((e) => e.actor.username === 'ci-bot').map((e) => e.ok)).toEqual([false, true]);
	});

	it('a Read Only account’s change is refused with the code a Read Only member gets on the socket', async () => {
		const { alice, carol } = await acme();
		const { secret } = await bot(alice.cookie, 'ORG_READ_ONLY');
		const socket = await carol.client.mutate({ type: 'team.create', orgId: 'acme', teamId: 'dev', name: 'Dev' });
		const message = await refusal(await mutation(secret, 'm1', { type: 'team.create', teamId: 'dev', name: 'Dev' }), 403, 'FORBIDDEN');
		expect(socket).toMatchObject({ ok: false, code: 'FORBIDDEN', message });
	});

	it('an owner account still may not mint credentials, and server-only mutations are refused as on the socket', async () => {
		const { alice } = await acme();
		const { secret, userId } = await bot(alice.cookie, 'ORG_OWNER');
		await refusal(await mutation(secret, 'm1', { type: 'serviceAccount.setPolicy', secretMaxDays: 365 }), 403, 'SERVICE_ACCOUNT_FORBIDDEN');
		const addSecret = { type: 'serviceAccount.addSecret', userId, secretId: 'mine', expiresAt: now + DAY };
		await refusal(await mutation(secret, 'm2', addSecret), 403, 'FORBIDDEN');
		await refusal(await mutation(secret, 'm3', { type: 'member.leave' }), 409, 'SERVICE_ACCOUNT_REMOVAL');
		await refusal(await mutation(secret, 'm4', { type: 'org.transferPrimaryAdmin', userId }), 403, 'FORBIDDEN');
	});

	it.each([
		['not JSON', 'this is not json', 400, 'INVALID_JSON'],
		[
			'an unknown field',
			{ id: 'x', mutation: { type: 'team.create', orgId: 'acme', teamId: 'a', name: 'A' }, extra: 1 },
			400,
			'INVALID_INPUT'
		],
		['no id', { mutation: { type: 'team.create', orgId: 'acme', teamId: 'a', name: 'A' } }, 400, 'INVALID_INPUT'],
		['a bad id', { id: 'a b', mutation: { type: 'team.create', orgId: 'acme', teamId: 'a', name: 'A' } }, 400, 'INVALID_INPUT'],
		['an array', [], 400, 'INVALID_INPUT'],
		['an unknown mutation', { id: 'x', mutation: { type: 'team.explode', orgId: 'acme' } }, 400, 'UNKNOWN_MUTATION'],
		[
			'a mutation with an unknown field',
			{ id: 'x', mutation: { type: 'team.create', orgId: 'acme', teamId: 'a', name: 'A', x: 1 } },
			400,
			'INVALID_MUTATION'
		],
		['a mutation that is not an object', { id: 'x', mutation: 'team.create' }, 400, 'UNKNOWN_MUTATION']
	] as const)('%s gets a code, not a crash, and changes nothing', async (_what, body, status, code) => {
		const { alice } = await acme();
		const { secret } = await bot(alice.cookie, 'ORG_OWNER');
		await refusal(await api(t, secret, 'POST', '/api/v1/orgs/acme/mutations', body), status, code);
		const teams = (await (await api(t, secret, 'GET', '/api/v1/orgs/acme/teams')).json()) as { teams: { id: string }[] };
		expect(teams.teams.map((team) => team.id)).toEqual(['ops']);
	});

	it('a body that is not JSON by its content type, an unknown query field, an unknown path: codes', async () => {
		const { alice } = await acme();
		const { secret } = await bot(alice.cookie, 'ORG_OWNER');
		const plain = await fetch(new URL('/api/v1/orgs/acme/mutations', t.base), {
			method: 'POST',
			headers: { authorization: `Bearer ${secret}` },
			body: '{}'
		});
		await refusal(plain, 415, 'UNSUPPORTED');
		await refusal(await api(t, secret, 'GET', '/api/v1/orgs/acme/members?page=2'), 400, 'INVALID_INPUT');
		await refusal(await api(t, secret, 'GET', '/api/v1/orgs/acme/activity?limit=9999'), 400, 'INVALID_INPUT');
		await refusal(await api(t, secret, 'GET', '/api/v1/orgs/acme/secrets'), 404, 'NOT_FOUND');
		await refusal(await api(t, secret, 'DELETE', '/api/v1/orgs/acme/members'), 404, 'NOT_FOUND');
	});
});

describe('reads (rules §5): what a member of the account’s role reads', () => {
	it('an owner account reads everything: organization, members, teams, projects with effective access, invitations, activity', async () => {
		const { alice, bob } = await acme();
		const { secret, userId } = await bot(alice.cookie, 'ORG_OWNER');
		expect(
			await alice.client.mutate({
				type: 'member.invite',
				orgId: 'acme',
				inviteId: 'inv1',
				email: 'dan@example.com',
				role: 'ORG_MEMBER',
				teams: []
			})
		).toMatchObject({
			ok: true
		});
		const get = async (path: string) => {
			const res = await api(t, secret, 'GET', `/api/v1/orgs/acme${path}`);
			expect(res.status).toBe(200);
			return (await res.json()) as Record<string, unknown>;
		};
		expect(await get('')).toMatchObject({ organization: { id: 'acme', name: 'Acme', primaryAdminId: alice.user.id } });
		const { members } = (await get('/members')) as { members: { userId: string; teams: string[]; service?: boolean }[] };
		expect(members.find((m) => m.userId === bob.user.id)?.teams).toEqual(['ops']);
		expect(members.find((m) => m.userId === userId)?.service).toBe(true);
		expect(await get('/teams')).toEqual({ teams: [{ id: 'ops', name: 'Ops', createdAt: expect.any(Number), members: [bob.user.id] }] });
		const { projects } = (await get('/projects')) as {
			projects: { id: string; access: { userId: string; roles: string[]; sources: unknown[] }[] }[];
		};
		const apollo = projects.find((p) => p.id === 'apollo')!;
		expect(apollo.access).toContainEqual({
			userId: bob.user.id,
			roles: ['PROJECT_READ_ONLY'],
			sources: [{ via: 'individual', roles: ['PROJECT_READ_ONLY'] }]
		});
		expect(apollo.access).toContainEqual({
			userId,
			roles: ['PROJECT_OWNER'],
			sources: [{ via: 'organization', roles: ['PROJECT_OWNER'] }]
		});
		expect(await get('/invitations')).toMatchObject({ invitations: [{ id: 'inv1', email: 'dan@example.com' }], projectInvitations: [] });
		const feed = (await get('/activity?limit=2')) as { entries: { seq: number }[]; more: boolean };
		expect(feed.entries).toHaveLength(2);
		expect(feed.more).toBe(true);
		const older = (await get(`/activity?limit=2&before=${feed.entries[1]!.seq}`)) as { entries: { seq: number }[] };
		expect(older.entries[0]!.seq).toBeLessThan(feed.entries[1]!.seq);
	});

	it('a Member account reads the organization but not the activity, and only projects that give it a role', async () => {
		const { alice } = await acme();
		const { secret } = await bot(alice.cookie, 'ORG_MEMBER');
		expect((await api(t, secret, 'GET', '/api/v1/orgs/acme/members')).status).toBe(200);
		await refusal(await api(t, secret, 'GET', '/api/v1/orgs/acme/activity'), 403, 'FORBIDDEN');
		expect(await (await api(t, secret, 'GET', '/api/v1/orgs/acme/projects')).json()).toEqual({ projects: [] });
	});

	it('a Read Only account reads every project and the activity, as a Read Only member does', async () => {
		const { alice } = await acme();
		const { secret } = await bot(alice.cookie, 'ORG_READ_ONLY');
		expect((await api(t, secret, 'GET', '/api/v1/orgs/acme/activity')).status).toBe(200);
		const { projects } = (await (await api(t, secret, 'GET', '/api/v1/orgs/acme/projects')).json()) as { projects: { id: string }[] };
		expect(projects.map((p) => p.id)).toEqual(['apollo']);
	});
});
