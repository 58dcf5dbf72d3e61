import { describe, expect, it } from 'vitest';
import type { Preview } from '$lib/domain/index.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';
import { api, createAccount, createSecret, refusal, send } from './service-account-client.ts';

const t = serverForEachTest();

/** alice owns Acme; bob and dan are members, both in team Ops; Apollo gives bob Read only, Zeus gives Ops Cluster Manager. */
async function acme() {
	const users = await orgWith<'alice', 'bob' | 'dan'>(t, {
		members: { bob: 'ORG_MEMBER', dan: 'ORG_MEMBER' },
		teams: [{ id: 'ops', name: 'Ops', members: ['bob', 'dan'] }],
		projects: [
			{ id: 'apollo', name: 'Apollo', users: { bob: ['PROJECT_READ_ONLY'] } },
			{ id: 'zeus', name: 'Zeus' }
		]
	});
	const added = await users.alice.client.mutate({
		type: 'project.addTeam',
		orgId: 'acme',
		projectId: 'zeus',
		teamId: 'ops',
		roles: ['PROJECT_CLUSTER_MANAGER']
	});
	expect(added).toMatchObject({ ok: true });
	return users;
}

async function bot(cookie: string, role: string, username = 'ci-bot', projects?: { projectId: string; roles: string[] }[]) {
	return (await createSecret(t, cookie, await createAccount(t, cookie, { username, role, ...(projects && { projects }) }))).secret;
}

const preview = (secret: string, body: unknown) => api(t, secret, 'POST', '/api/v1/orgs/acme/preview', body);
const teamDelete = { type: 'team.delete', orgId: 'acme', teamId: 'ops' };

async function answer(res: Response): Promise<Preview> {
	expect(res.status, await res.clone().text()).toBe(200);
	return (await res.json()) as Preview;
}

const feedLength = async (secret: string) =>
	((await (await api(t, secret, 'GET', '/api/v1/orgs/acme/activity?limit=100')).json()) as { entries: unknown[] }).entries.length;

describe('POST /api/v1/orgs/{orgId}/preview', () => {
	it('answers who loses what on the committed state, and writes nothing', async () => {
		const { alice, bob, dan } = await acme();
		const secret = await bot(alice.cookie, 'ORG_OWNER');
		const before = await feedLength(secret);
		const p = await answer(await preview(secret, { mutation: teamDelete }));
		expect(p.verdicts).toEqual([{ ok: true }]);
		expect(p.gains).toEqual([]);
		const person = (u: typeof bob) => ({ userId: u.user.id, username: u.user.username });
		expect(p.losses).toEqual(
			expect.arrayContaining([
				{ person: person(bob), access: { kind: 'team', teamId: 'ops', team: 'Ops' } },
				{ person: person(dan), access: { kind: 'team', teamId: 'ops', team: 'Ops' } },
				{
					person: person(dan),
					access: {
						kind: 'projectRoles',
						projectId: 'zeus',
						project: 'Zeus',
						roles: ['PROJECT_CLUSTER_MANAGER'],
						via: [{ teamId: 'ops', team: 'Ops' }]
					}
				}
			])
		);
		expect(p.losses).toHaveLength(4);
		// Nothing written: the team is still there, and the activity records no preview.
		expect((await t.server.hub.orgState('acme'))!.team('ops')).toBeDefined();
		expect(await feedLength(secret)).toBe(before);
		// The same mutation sent for real afterwards is checked afresh, not answered from a record.
		const sent = await api(t, secret, 'POST', '/api/v1/orgs/acme/mutations', { id: 'delete-ops', mutation: teamDelete });
		expect(sent.status).toBe(200);
	});

	it('checks a batch in order: later entries see earlier ones, a refused or malformed one changes nothing', async () => {
		const { alice } = await acme();
		const secret = await bot(alice.cookie, 'ORG_OWNER');
		const p = await answer(
			await preview(secret, {
				mutations: [
					{ type: 'team.create', orgId: 'acme', teamId: 'qa', name: 'QA' },
					{ type: 'team.create', orgId: 'acme', teamId: 'qa2', name: 'qa' },
					{ type: 'no.such' },
					{ type: 'team.create', orgId: 'other', teamId: 'x', name: 'X' },
					{ type: 'serviceAccount.add', orgId: 'acme', userId: 'someone', description: '' },
					{ type: 'project.addTeam', orgId: 'acme', projectId: 'apollo', teamId: 'qa', roles: ['PROJECT_READ_ONLY'] }
				]
			})
		);
		expect(p.verdicts.map((v) => (v.ok ? 'ok' : v.code))).toEqual([
			'ok',
			'TEAM_NAME_TAKEN',
			'UNKNOWN_MUTATION',
			'INVALID_MUTATION',
			'FORBIDDEN',
			'ok'
		]);
		// An empty team grants nothing to anyone.
		expect(p).toMatchObject({ gains: [], losses: [] });
	});

	it('a caller with little access learns nothing of others’ access, and an outsider nothing at all', async () => {
		const { alice, bob } = await acme();
		const low = await bot(alice.cookie, 'ORG_MEMBER', 'low-bot', [{ projectId: 'apollo', roles: ['PROJECT_READ_ONLY'] }]);
		const p = await answer(await preview(low, { mutation: teamDelete }));
		expect(p).toEqual({ verdicts: [{ ok: false, code: 'FORBIDDEN', message: expect.any(String) }], gains: [], losses: [] });
		// The same through a member's console session.
		const session = await send(t, 'POST', '/api/orgs/acme/preview', bob.cookie, { mutation: teamDelete });
		expect(await answer(session)).toMatchObject({ verdicts: [{ ok: false, code: 'FORBIDDEN' }], gains: [], losses: [] });
		const outsider = await t.user('mallory');
		// As a missing organization answers: ids reveal nothing.
		const foreign = await refusal(
			await send(t, 'POST', '/api/orgs/acme/preview', outsider.cookie, { mutation: teamDelete }),
			403,
			'FORBIDDEN'
		);
		const missing = await send(t, 'POST', '/api/orgs/nowhere/preview', outsider.cookie, { mutation: { ...teamDelete, orgId: 'nowhere' } });
		expect(await refusal(missing, 403, 'FORBIDDEN')).toBe(foreign);
		await refusal(await send(t, 'POST', '/api/orgs/acme/preview', '', { mutation: teamDelete }), 401, 'UNAUTHENTICATED');
	});

	it('an owner’s console session previews as the bearer API does', async () => {
		const { alice } = await acme();
		const p = await answer(await send(t, 'POST', '/api/orgs/acme/preview', alice.cookie, { mutations: [teamDelete] }));
		expect(p.verdicts).toEqual([{ ok: true }]);
		expect(p.losses).toHaveLength(4);
	});

	it('bad input: a stable code and a sentence', async () => {
		const { alice } = await acme();
		const secret = await bot(alice.cookie, 'ORG_OWNER');
		await refusal(await preview(secret, '{"mutation":'), 400, 'INVALID_JSON');
		await refusal(await preview(secret, {}), 400, 'INVALID_INPUT');
		await refusal(await preview(secret, { mutation: teamDelete, mutations: [teamDelete] }), 400, 'INVALID_INPUT');
		await refusal(await preview(secret, { mutations: [] }), 400, 'INVALID_INPUT');
		await refusal(await preview(secret, { mutations: Array.from({ length: 201 }, () => teamDelete) }), 400, 'INVALID_INPUT');
		await refusal(await preview(secret, { mutation: teamDelete, id: 'x' }), 400, 'INVALID_INPUT');
		await refusal(await preview(secret, [teamDelete]), 400, 'INVALID_INPUT');
	});
});
