import { beforeEach, describe, expect, it } from 'vitest';
import type { UserProfile } from '$lib/domain/index.ts';
import { billingDocId, orgDocId } from '$lib/protocol/messages.ts';
import { cookieOf, joinedBefore, post, verifyEmail, type TestClient } from './test-client.ts';
import { serverForEachTest } from './fixtures.ts';

const ok = { t: 'verdict', ok: true };
const MIA_PASSWORD = 'a first password';
const elsewhere = (message: RegExp = /managed by another organization/) => ({
	ok: false,
	code: 'MANAGED_ELSEWHERE',
	message: expect.stringMatching(message) as unknown
});

let now: number;
beforeEach(() => {
	now = Date.UTC(2026, 10, 23, 12, 0, 0);
});
const t = serverForEachTest({ now: () => now });

const call = (method: string, path: string, cookie: string, body?: unknown) =>
	fetch(new URL(path, t.base), {
		method,
		headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
const signIn = (username: string, password: string) => post(t.base, '/api/signin', { username, password });

/** ann runs Acme and creates mia there; bob runs Beta, with a project. */
async function twoOrgs() {
	const ann = await t.user('ann');
	const bob = await t.user('bob');
	expect(await ann.client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject(ok);
	expect(await bob.client.mutate({ type: 'org.create', orgId: 'beta', name: 'Beta' })).toMatchObject(ok);
	expect(await bob.client.mutate({ type: 'project.create', orgId: 'beta', projectId: 'p1', name: 'P1' })).toMatchObject(ok);
	const res = await call('POST', '/api/managed-users', ann.cookie, {
		org: 'acme',
		username: 'mia',
		email: 'mia@example.com',
		password: MIA_PASSWORD,
		role: 'ORG_MEMBER'
	});
	expect(res.status).toBe(201);
	const mia = ((await res.json()) as { user: UserProfile }).user;
	return { ann, bob, mia };
}

describe('a managed user belongs to the organization that manages it (rules §1)', () => {
	it('another organization cannot add it by username, to itself or a project', async () => {
		const { bob, mia } = await twoOrgs();
		expect(await bob.client.mutate({ type: 'member.add', orgId: 'beta', username: 'mia', role: 'ORG_MEMBER' })).toMatchObject(
			elsewhere(/^mia is managed by another organization/)
		);
		expect(
			await bob.client.mutate({ type: 'project.addUser', orgId: 'beta', projectId: 'p1', username: 'mia', roles: ['PROJECT_READ_ONLY'] })
		).toMatchObject(elsewhere());
		expect((await t.server.hub.orgState('beta'))!.member(mia.id)).toBeUndefined();
	});

	it('nor by its verified email, nor through an invitation sent before it was verified', async () => {
		const { bob, mia } = await twoOrgs();
		// Sent while no verified user holds the address: a plain invitation.
		expect(
			await bob.client.mutate({
				type: 'member.invite',
				orgId: 'beta',
				inviteId: 'i1',
				email: 'mia@example.com',
				role: 'ORG_OWNER',
				teams: []
			})
		).toMatchObject(ok);
		// mia verifies: signing in (or the link) accepts pending invitations, but not this one.
		await verifyEmail(t.dataDir, 'mia@example.com');
		expect((await t.server.hub.orgState('beta'))!.member(mia.id)).toBeUndefined();
		const miaClient = await t.connect(cookieOf(await signIn('mia', MIA_PASSWORD)));
		expect(await miaClient.mutate({ type: 'invite.accept', orgId: 'beta', inviteId: 'i1' })).toMatchObject(
			elsewhere(/^Your account is managed by another organization/)
		);
		expect(miaClient.welcome().docs.filter((d) => d.includes('beta'))).toEqual([]);

		// Now that it is verified, the address finds mia, who is refused the same way.
		expect(await bob.client.mutate({ type: 'member.cancelInvite', orgId: 'beta', inviteId: 'i1' })).toMatchObject(ok);
		expect(
			await bob.client.mutate({
				type: 'member.invite',
				orgId: 'beta',
				inviteId: 'i2',
				email: 'mia@example.com',
				role: 'ORG_MEMBER',
				teams: []
			})
		).toMatchObject(elsewhere());
		expect(
			await bob.client.mutate({
				type: 'project.invite',
				orgId: 'beta',
				projectId: 'p1',
				inviteId: 'i3',
				email: 'mia@example.com',
				roles: ['PROJECT_READ_ONLY']
			})
		).toMatchObject(elsewhere());
		expect((await t.server.hub.orgState('beta'))!.member(mia.id)).toBeUndefined();
	});

	it('cannot create an organization of its own', async () => {
		await twoOrgs();
		const miaClient = await t.connect(cookieOf(await signIn('mia', MIA_PASSWORD)));
		expect(await miaClient.mutate({ type: 'org.create', orgId: 'miaco', name: 'Mia Co' })).toMatchObject(
			elsewhere(/cannot join or create Mia Co/)
		);
		expect(await t.server.hub.orgState('miaco')).toBeUndefined();
	});

	it('a membership from before the rule gives nothing a password reset could hand over: no reads, no roles, only leaving', async () => {
		const { ann, bob, mia } = await twoOrgs();
		await joinedBefore(t.server, 'beta', mia.id, 'ORG_OWNER');
		// ann resets mia's password and signs in as mia.
		expect((await call('POST', '/api/managed-users/password', ann.cookie, { userId: mia.id, password: 'ann knows this one' })).status).toBe(
			200
		);
		const miaCookie = cookieOf(await signIn('mia', 'ann knows this one'));
		const asMia: TestClient = await t.connect(miaCookie);
		expect(asMia.welcome().docs).not.toContain(orgDocId('beta'));
		for (const doc of [orgDocId('beta'), billingDocId('beta')]) {
			expect(await asMia.sync(doc)).toMatchObject({ text: { t: 'revoked', doc } });
		}
		expect(await asMia.mutate({ type: 'member.add', orgId: 'beta', username: 'ann', role: 'ORG_OWNER' })).toMatchObject(
			elsewhere(/in Beta you may only leave/)
		);
		expect((await call('GET', '/api/activity?org=beta', miaCookie)).status).toBe(403);
		// Beta cannot give it a role either; it may remove it, and mia may leave.
		expect(await bob.client.mutate({ type: 'member.setRole', orgId: 'beta', userId: mia.id, role: 'ORG_MEMBER' })).toMatchObject(
			elsewhere()
		);
		expect(await asMia.mutate({ type: 'member.leave', orgId: 'beta' })).toMatchObject(ok);
		expect(await t.server.documents.docsOf(mia.id)).toEqual([orgDocId('acme')]);
	});

	it('an existing user cannot become managed: creating one only makes a new account', async () => {
		const { ann, bob } = await twoOrgs();
		const res = await call('POST', '/api/managed-users', ann.cookie, {
			org: 'acme',
			username: 'bob',
			email: 'bob@example.com',
			password: MIA_PASSWORD,
			role: 'ORG_MEMBER'
		});
		expect(res.status).toBe(409);
		expect((await t.server.accounts.user(bob.user.id))?.managedBy).toBeUndefined();
		expect((await t.server.hub.orgState('acme'))!.member(bob.user.id)).toBeUndefined();
	});
});

describe("an organization's session timeouts reach only that organization (rules §2)", () => {
	it('adding someone to an organization with a 15-minute idle timeout does not end their session elsewhere', async () => {
		const { ann, bob } = await twoOrgs();
		expect(
			await bob.client.mutate({
				type: 'org.setSecurity',
				orgId: 'beta',
				requireTwoFactor: false,
				idleTimeoutMinutes: 15,
				absoluteTimeoutHours: 1
			})
		).toMatchObject(ok);
		expect(await bob.client.mutate({ type: 'member.add', orgId: 'beta', username: 'ann', role: 'ORG_OWNER' })).toMatchObject(ok);
		await ann.client.until(() => ann.client.org('beta').org !== undefined);

		now += 2 * 3600_000;
		expect(await ann.client.mutate({ type: 'team.create', orgId: 'acme', teamId: 't1', name: 'Ops' })).toMatchObject(ok);
		expect((await call('GET', '/api/me', ann.cookie)).status).toBe(200);
		expect((await call('GET', '/api/activity?org=acme', ann.cookie)).status).toBe(200);
		// Beta alone is gone for this session.
		expect(await ann.client.mutate({ type: 'team.create', orgId: 'beta', teamId: 't1', name: 'Ops' })).toMatchObject({
			ok: false,
			code: 'SESSION_EXPIRED'
		});
		const res = await call('GET', '/api/activity?org=beta', ann.cookie);
		expect({ status: res.status, body: await res.json() }).toMatchObject({
			status: 403,
			body: { code: 'SESSION_EXPIRED', message: 'Your session for Beta timed out: sign in again to reach it.' }
		});
	});
});
