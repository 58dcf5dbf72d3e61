import { beforeEach, describe, expect, it } from 'vitest';
import { expiryHolder, type ExpiryTarget } from '$lib/domain/index.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';
import { api, createAccount, createSecret } from './service-account-client.ts';
import { mails } from './mail.ts';

const ORG = 'acme';
const ok = { t: 'verdict', ok: true };
const DAY = 86_400_000;
const START = Date.parse('2027-02-01T12:00:00Z');
const MARCH = Date.parse('2027-03-01T00:00:00Z');

let clock = START;
beforeEach(() => {
	clock = START;
});
// The run is driven by the test (expiryIntervalMs is long): each run() resolves once what was due is durable and mailed.
const t = serverForEachTest(() => ({ now: () => clock, expiryIntervalMs: 3_600_000 }));

/** The expiry mails to one address (sign-up mail aside). */
const expiryMails = (email: string) => mails(t.dataDir, email).filter((m) => / expires? on | did not expire/.test(m.subject));

const row = async (target: ExpiryTarget) => {
	const state = await t.server.hub.orgState(ORG);
	return state && expiryHolder(state, target);
};

async function activity(cookie: string): Promise<{ type: string; ok: boolean; actor: { username: string }; names?: { by?: string } }[]> {
	const res = await fetch(new URL(`/api/activity?org=${ORG}`, t.base), { headers: { cookie } });
	return ((await res.json()) as { entries: never[] }).entries;
}

describe('expiring access over the wire (rules §6)', () => {
	it('is set by an owner, reminded once 7 days before, applied once when due, also across a restart', async () => {
		const { alice, bob } = await orgWith(t, { members: { bob: 'ORG_PROJECT_CREATOR' } });
		const target: ExpiryTarget = { kind: 'member', userId: bob.user.id };
		const set = { type: 'access.setExpiry', orgId: ORG, target, expiry: { at: MARCH, then: 'ORG_MEMBER' } };
		expect(await bob.client.mutate(set)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
		expect(await alice.client.mutate(set)).toMatchObject(ok);
		// A socket may not apply an expiry itself.
		expect(await bob.client.mutate({ type: 'access.expire', orgId: ORG, target, at: MARCH })).toMatchObject({
			ok: false,
			code: 'FORBIDDEN'
		});

		await t.server.expiry.run();
		expect(expiryMails(bob.user.email)).toHaveLength(0);

		clock = MARCH - 7 * DAY + 1;
		await t.server.expiry.run();
		await t.server.expiry.run();
		const reminders = expiryMails(bob.user.email);
		expect(reminders).toHaveLength(1);
		expect(reminders[0]!.subject).toBe('Your membership of Acme expires on 1 March 2027');
		expect(expiryMails(alice.user.email).filter((m) => m.subject.startsWith('bob'))).toHaveLength(1);

		clock = MARCH + 1;
		await t.server.expiry.run();
		expect(await row(target)).toMatchObject({ member: { role: 'ORG_MEMBER' } });
		expect((await row(target))!.expiry).toBeUndefined();
		await bob.client.until(() => bob.client.org(ORG).members[bob.user.id]?.role === 'ORG_MEMBER');

		// The same server again, on the same store: nothing is applied twice, no reminder is sent again.
		await t.restart();
		await t.server.expiry.run();
		const entries = await activity(alice.cookie);
		expect(entries.filter((e) => e.type === 'access.expire')).toEqual([
			expect.objectContaining({
				ok: true,
				actor: expect.objectContaining({ username: 'bob' }),
				names: expect.objectContaining({ by: expect.any(String) })
			})
		]);
		expect(entries.filter((e) => e.type === 'access.remindExpiry')).toHaveLength(1);
		expect(expiryMails(bob.user.email)).toHaveLength(1);
	});

	it("of a team's roles in a project: its members and the owners are reminded once, applied once as the primary admin", async () => {
		const { alice, bob, carol, dave } = await orgWith<'alice', 'bob' | 'carol' | 'dave'>(t, {
			members: { bob: 'ORG_MEMBER', carol: 'ORG_MEMBER', dave: 'ORG_OWNER' },
			teams: [{ id: 'ops', name: 'Ops', members: ['bob', 'carol'] }],
			projects: [{ id: 'apollo', name: 'Apollo' }]
		});
		const roles = ['PROJECT_OWNER', 'PROJECT_CLUSTER_MANAGER'];
		expect(await alice.client.mutate({ type: 'project.addTeam', orgId: ORG, projectId: 'apollo', teamId: 'ops', roles })).toMatchObject(ok);
		const target: ExpiryTarget = { kind: 'projectTeam', projectId: 'apollo', teamId: 'ops' };
		const set = { type: 'access.setExpiry', orgId: ORG, target, expiry: { at: MARCH, then: ['PROJECT_READ_ONLY'] } };
		expect(await alice.client.mutate(set)).toMatchObject(ok);

		clock = MARCH - 7 * DAY + 1;
		await t.server.expiry.run();
		await t.server.expiry.run();
		for (const who of [alice, bob, carol, dave]) {
			expect(expiryMails(who.user.email).map((m) => m.subject)).toEqual([
				"Team Ops's roles in project Apollo of Acme expire on 1 March 2027"
			]);
		}

		clock = MARCH + 1;
		await t.server.expiry.run();
		await t.server.expiry.run();
		expect(await row(target)).toMatchObject({ roles: ['PROJECT_READ_ONLY'], expiry: undefined });
		const entries = await activity(alice.cookie);
		expect(entries.filter((e) => e.type === 'access.expire')).toEqual([
			expect.objectContaining({
				ok: true,
				actor: expect.objectContaining({ username: 'alice' }),
				names: expect.objectContaining({ by: expect.any(String) })
			})
		]);
		expect(entries.filter((e) => e.type === 'access.remindExpiry')).toHaveLength(1);
		expect(expiryMails(bob.user.email)).toHaveLength(1);
	});

	it('is refused when set if it would leave a project without an owner', async () => {
		const { alice, bob } = await orgWith(t, {
			members: { bob: 'ORG_MEMBER' },
			projects: [{ id: 'apollo', users: { bob: ['PROJECT_OWNER'] } }]
		});
		const aliceOut = { type: 'project.removeUser', orgId: ORG, projectId: 'apollo', userId: alice.user.id };
		expect(await alice.client.mutate(aliceOut)).toMatchObject(ok);
		const target = { kind: 'project', projectId: 'apollo', userId: bob.user.id };
		const set = { type: 'access.setExpiry', orgId: ORG, target, expiry: { at: MARCH, then: ['PROJECT_READ_ONLY'] } };
		expect(await alice.client.mutate(set)).toMatchObject({ ok: false, code: 'LAST_PROJECT_OWNER' });
	});

	it('is blocked, not applied, when it would break an invariant by then, and the owners are mailed', async () => {
		const { alice, bob, carol } = await orgWith(t, {
			members: { bob: 'ORG_MEMBER', carol: 'ORG_MEMBER' },
			projects: [{ id: 'apollo', users: { bob: ['PROJECT_OWNER'], carol: ['PROJECT_OWNER'] } }]
		});
		expect(await alice.client.mutate({ type: 'project.removeUser', orgId: ORG, projectId: 'apollo', userId: alice.user.id })).toMatchObject(
			ok
		);
		const target: ExpiryTarget = { kind: 'project', projectId: 'apollo', userId: bob.user.id };
		expect(await alice.client.mutate({ type: 'access.setExpiry', orgId: ORG, target, expiry: { at: MARCH } })).toMatchObject(ok);
		expect(await alice.client.mutate({ type: 'project.removeUser', orgId: ORG, projectId: 'apollo', userId: carol.user.id })).toMatchObject(
			ok
		);

		clock = MARCH + 1;
		await t.server.expiry.run();
		await t.server.expiry.run();
		const held = await row(target);
		expect(held).toMatchObject({ roles: ['PROJECT_OWNER'] });
		expect(held!.expiry!.blocked).toMatchObject({ code: 'LAST_PROJECT_MEMBER' });
		const told = expiryMails(alice.user.email).filter((m) => m.subject.includes('did not expire'));
		expect(told).toHaveLength(1);
		expect(told[0]!.text).toContain('would have no members left');
	});

	it('cannot be forestalled by its holder: a service account sending the ids the server uses first changes nothing', async () => {
		const { alice } = await orgWith(t, {});
		const bot = await createAccount(t, alice.cookie, { username: 'ci-bot', role: 'ORG_PROJECT_CREATOR' });
		const { secret } = await createSecret(t, alice.cookie, bot);
		const target: ExpiryTarget = { kind: 'member', userId: bot };
		expect(
			await alice.client.mutate({ type: 'access.setExpiry', orgId: ORG, target, expiry: { at: MARCH, then: 'ORG_MEMBER' } })
		).toMatchObject(ok);
		// The ids the server's run once used, and could be read off the expiry: a refused change recorded under them.
		for (const id of [`expire:member:${bot}:${MARCH}`, `remind:member:${bot}:${MARCH}`]) {
			const res = await api(t, secret, 'POST', `/api/v1/orgs/${ORG}/mutations`, {
				id,
				mutation: { type: 'org.rename', orgId: ORG, name: 'x' }
			});
			expect(res.status).toBe(403);
		}
		clock = MARCH - 6 * DAY;
		await t.server.expiry.run();
		expect((await row(target))?.expiry?.remindedAt).toBe(clock);
		clock = MARCH + 1;
		await t.server.expiry.run();
		const after = await row(target);
		expect(after?.kind === 'member' && after.member.role).toBe('ORG_MEMBER');
		expect(after?.expiry).toBeUndefined();
	});
});
