import { describe, expect, it } from 'vitest';
import { serverForEachTest } from './fixtures.ts';

const ORG = 'acme';
const ok = { t: 'verdict', ok: true };

const t = serverForEachTest();

const get = (query: string, cookie: string) => fetch(new URL(`/api/export?${query}`, t.base), { headers: { cookie } });

describe('export (the step before closing)', () => {
	it('owners download the organization as JSON and the members as CSV; nothing secret, nobody else', async () => {
		const alice = await t.user('alice');
		const bob = await t.user('bob');
		expect(await alice.client.mutate({ type: 'org.create', orgId: ORG, name: 'Acme, "Data"' })).toMatchObject(ok);
		expect(await alice.client.mutate({ type: 'member.add', orgId: ORG, username: 'bob', role: 'ORG_MEMBER' })).toMatchObject(ok);
		expect(await alice.client.mutate({ type: 'project.create', orgId: ORG, projectId: 'p1', name: 'Apollo' })).toMatchObject(ok);
		const deploy = { type: 'deployment.create', orgId: ORG, projectId: 'p1', deploymentId: 'd1', name: 'orders', plan: 'shared' };
		expect(await alice.client.mutate(deploy)).toMatchObject(ok);
		const invite = { type: 'member.invite', orgId: ORG, inviteId: 'inv-1', email: 'new.person@example.org', role: 'ORG_MEMBER' };
		expect(await alice.client.mutate(invite)).toMatchObject(ok);

		const json = await get(`org=${ORG}`, alice.cookie);
		expect(json.status).toBe(200);
		expect(json.headers.get('content-disposition')).toBe('attachment; filename="Acme-Data-.json"');
		const body = await json.text();
		const data = JSON.parse(body) as {
			members: { username: string }[];
			projects: { name: string; deployments: unknown[] }[];
			invitations: unknown[];
		};
		expect(data.members.map((m) => m.username).sort()).toEqual(['alice', 'bob']);
		expect(data.projects).toMatchObject([{ name: 'Apollo', deployments: [{ name: 'orders', plan: 'shared', status: 'active' }] }]);
		expect(data.invitations).toHaveLength(1);
		expect(body).not.toMatch(/scrypt|password|token/i);

		const csv = await (await get(`org=${ORG}&format=csv`, alice.cookie)).text();
		const lines = csv.trim().split('\r\n');
		expect(lines[0]).toBe('username,email,email_verified,display_name,role,primary_admin,joined_at');
		expect(lines[1]).toMatch(/^alice,alice@example.com,false,,ORG_OWNER,true,\d{4}-/);
		expect(lines[2]).toMatch(/^bob,bob@example.com,false,,ORG_MEMBER,false,/);

		expect((await get(`org=${ORG}`, bob.cookie)).status).toBe(403);
		expect((await get('org=elsewhere', alice.cookie)).status).toBe(403);
		expect((await get(`org=${ORG}&format=xml`, alice.cookie)).status).toBe(400);
		expect((await fetch(new URL(`/api/export?org=${ORG}`, t.base))).status).toBe(401);
	});
});
