import { describe, expect, it } from 'vitest';
import { orgMaps, projectMaps } from '$lib/domain/index.ts';
import { orgDocId, projectDocId } from '$lib/protocol/messages.ts';
import { post, signUp, verifyEmail } from './test-client.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';

/**
 * Ids are the client's choice (inviteId, teamId, projectId, …), so they come back: a thing
 * made again with an earlier one's id is a new thing, and nothing the server derived from the
 * earlier one (idempotency keys, indexes, assignments) may answer for it.
 */
const ORG = 'acme';
const APOLLO = 'p-apollo';
const ok = { t: 'verdict', ok: true };

const t = serverForEachTest();

/** Alice's organization with project Apollo, her address verified. */
async function acme() {
	const { alice } = await orgWith(t, { id: ORG, verified: true, projects: [{ id: APOLLO, name: 'Apollo' }] });
	return alice.client;
}

describe('ids chosen by clients can be used again once their thing is gone', () => {
	it('an invitation sent again with an accepted one’s id is accepted too (organization and project)', async () => {
		const alice = await acme();
		const org = () => orgMaps(alice.docs.get(orgDocId(ORG))!);
		const apollo = () => projectMaps(alice.docs.get(projectDocId(ORG, APOLLO))!);
		const invite = (email: string, role: string, roles: string[]) =>
			Promise.all([
				alice.mutate({ type: 'member.invite', orgId: ORG, inviteId: 'inv-x', email, role }),
				alice.mutate({ type: 'project.invite', orgId: ORG, projectId: APOLLO, inviteId: 'pinv-x', email, roles })
			]);

		expect(await invite('x@example.com', 'ORG_BILLING_ADMIN', ['PROJECT_CLUSTER_MANAGER'])).toMatchObject([ok, ok]);
		const x = await signUp(t.base, 'xavier', 'x@example.com');
		await verifyEmail(t.dataDir, 'x@example.com');
		await alice.until(() => org().members.get(x.user.id)?.role === 'ORG_BILLING_ADMIN' && apollo().users.has(x.user.id));
		expect(await alice.mutate({ type: 'member.remove', orgId: ORG, userId: x.user.id })).toMatchObject(ok);
		expect(apollo().users.has(x.user.id)).toBe(false);

		// Xavier moves to another address (unverified until its link is used); the ids come back with it.
		await t.server.accounts.setEmail(x.user.id, 'xavier@example.org');
		expect(await invite('xavier@example.org', 'ORG_PROJECT_CREATOR', ['PROJECT_READ_ONLY'])).toMatchObject([ok, ok]);
		expect((await post(t.base, '/api/me/resend-verification', {}, { cookie: x.cookie })).status).toBe(200);
		expect(await verifyEmail(t.dataDir, 'xavier@example.org')).toBe(`/orgs/${ORG}/projects/${APOLLO}?verified=1`);
		// Accepted, not answered with the first invitation's verdict.
		expect((await t.server.hub.orgState(ORG))?.member(x.user.id)?.role).toBe('ORG_PROJECT_CREATOR');
		await alice.until(() => org().members.get(x.user.id)?.role === 'ORG_PROJECT_CREATOR' && apollo().users.has(x.user.id));
		expect(apollo().users.get(x.user.id)?.roles).toEqual(['PROJECT_READ_ONLY']);
		expect(org().invitations.size).toBe(0);
		expect(apollo().invitations.size).toBe(0);
		expect(await t.server.documents.invitationsFor('xavier@example.org')).toEqual([]);
	});

	it('an invitation sent again with a cancelled one’s id is accepted with what the new one holds', async () => {
		const alice = await acme();
		const invite = (role: string) => alice.mutate({ type: 'member.invite', orgId: ORG, inviteId: 'inv-y', email: 'y@example.com', role });
		expect(await invite('ORG_OWNER')).toMatchObject(ok);
		expect(await alice.mutate({ type: 'member.cancelInvite', orgId: ORG, inviteId: 'inv-y' })).toMatchObject(ok);
		expect(await invite('ORG_BILLING_VIEWER')).toMatchObject(ok);
		const y = await signUp(t.base, 'yvonne', 'y@example.com');
		expect(await verifyEmail(t.dataDir, 'y@example.com')).toBe(`/orgs/${ORG}?verified=1`);
		await alice.until(() => orgMaps(alice.docs.get(orgDocId(ORG))!).members.get(y.user.id)?.role === 'ORG_BILLING_VIEWER');
	});

	it('a team deleted and made again with its id starts empty: no members, project roles or invitees of the old one', async () => {
		const alice = await acme();
		const bob = await t.user('bob');
		expect(await alice.mutate({ type: 'member.add', orgId: ORG, username: 'bob', role: 'ORG_MEMBER' })).toMatchObject(ok);
		expect(await alice.mutate({ type: 'team.create', orgId: ORG, teamId: 't-ops', name: 'Ops' })).toMatchObject(ok);
		expect(await alice.mutate({ type: 'team.addMember', orgId: ORG, teamId: 't-ops', userId: bob.user.id })).toMatchObject(ok);
		expect(
			await alice.mutate({ type: 'project.addTeam', orgId: ORG, projectId: APOLLO, teamId: 't-ops', roles: ['PROJECT_OWNER'] })
		).toMatchObject(ok);
		expect(
			await alice.mutate({
				type: 'member.invite',
				orgId: ORG,
				inviteId: 'inv-z',
				email: 'z@example.com',
				role: 'ORG_MEMBER',
				teams: ['t-ops']
			})
		).toMatchObject(ok);

		expect(await alice.mutate({ type: 'team.delete', orgId: ORG, teamId: 't-ops' })).toMatchObject(ok);
		expect(await alice.mutate({ type: 'team.create', orgId: ORG, teamId: 't-ops', name: 'Ops again' })).toMatchObject(ok);

		const org = orgMaps(alice.docs.get(orgDocId(ORG))!);
		expect(org.teams.get('t-ops')).toMatchObject({ name: 'Ops again' });
		expect([...org.teamMembers.keys()].filter((k) => k.startsWith('t-ops/'))).toEqual([]);
		expect(org.invitations.get('inv-z')?.teams).toEqual([]);
		expect(projectMaps(alice.docs.get(projectDocId(ORG, APOLLO))!).teams.has('t-ops')).toBe(false);
		// Bob reads Apollo no more, also after reconnecting.
		const again = await t.connect(bob.cookie);
		expect(again.welcome().docs).toEqual([orgDocId(ORG)]);

		const z = await signUp(t.base, 'zoe', 'z@example.com');
		await verifyEmail(t.dataDir, 'z@example.com');
		await alice.until(() => orgMaps(alice.docs.get(orgDocId(ORG))!).members.has(z.user.id));
		expect(orgMaps(alice.docs.get(orgDocId(ORG))!).teamMembers.has(`t-ops/${z.user.id}`)).toBe(false);
	});

	it('a closed project or deleted deployment keeps its id: making one with it again is refused, so nothing of the old leaks in', async () => {
		const alice = await acme();
		const deployment = { type: 'deployment.create', orgId: ORG, projectId: APOLLO, deploymentId: 'd-1', name: 'orders', plan: 'free' };
		expect(await alice.mutate(deployment)).toMatchObject(ok);
		expect(await alice.mutate({ type: 'deployment.delete', orgId: ORG, projectId: APOLLO, deploymentId: 'd-1' })).toMatchObject(ok);
		expect(await alice.mutate(deployment)).toMatchObject({ ok: false, code: 'DEPLOYMENT_EXISTS' });
		expect(await alice.mutate({ type: 'project.close', orgId: ORG, projectId: APOLLO })).toMatchObject(ok);
		expect(await alice.mutate({ type: 'project.create', orgId: ORG, projectId: APOLLO, name: 'Apollo 2' })).toMatchObject({
			ok: false,
			code: 'PROJECT_EXISTS'
		});
	});
});
