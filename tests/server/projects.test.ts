import { describe, expect, it } from 'vitest';
import { projectMaps, type OrgRole, type ProjectRole } from '$lib/domain/index.ts';
import { SYNC_UPDATE } from '$lib/protocol/frames.ts';
import { billingDocId, orgDocId, projectDocId, type VerdictMessage } from '$lib/protocol/messages.ts';
import { type Entry, type TestClient } from './test-client.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';

const ORG = 'acme';
const ORG_DOC = orgDocId(ORG);
const APOLLO = 'p-apollo';
const GEMINI = 'p-gemini';
const APOLLO_DOC = projectDocId(ORG, APOLLO);
const GEMINI_DOC = projectDocId(ORG, GEMINI);
const ok = { t: 'verdict', ok: true };
const refused = (code: string) => expect.objectContaining({ t: 'verdict', ok: false, code });

const t = serverForEachTest();

/** Alice creates the organization; every other name joins it live with the given role. */
const org = <K extends string = never>(members = {} as Record<K, OrgRole>) => orgWith(t, { id: ORG, members });

async function accepted(client: TestClient, mutation: Record<string, unknown>) {
	expect(await client.mutate({ orgId: ORG, ...mutation })).toMatchObject(ok);
}

interface ProjectView {
	name: string | undefined;
	status: string | undefined;
	users: Record<string, ProjectRole[]>;
	teams: Record<string, ProjectRole[]>;
}

/** A client's copy of a project document (empty if it was never sent one). */
function projectView(client: TestClient, projectId: string): ProjectView {
	const doc = client.docs.get(projectDocId(ORG, projectId));
	if (!doc) return { name: undefined, status: undefined, users: {}, teams: {} };
	const { meta, users, teams } = projectMaps(doc);
	return {
		name: meta.get('project')?.name,
		status: meta.get('project')?.status,
		users: Object.fromEntries([...users.values()].map((a) => [a.userId, a.roles])),
		teams: Object.fromEntries([...teams.values()].map((a) => [a.teamId, a.roles]))
	};
}

const isRevoked = (docId: string) => (e: Entry) => 'text' in e && e.text.t === 'revoked' && e.text.doc === docId;
const revokedFrames = (c: TestClient, since = 0) => c.log.slice(since).filter((e) => 'text' in e && e.text.t === 'revoked');

/** Index in the client's log of the revocation of `docId` from `since` on, once it arrives. */
async function revokedAt(c: TestClient, docId: string, since: number): Promise<number> {
	await c.waitForEntry(isRevoked(docId), since);
	return c.log.findIndex((e, i) => i >= since && isRevoked(docId)(e));
}

/**
 * A verdict to `c`'s own mutation: the server sends it after everything an earlier batch
 * broadcast, so once it is here, any frame that batch had for `c` has arrived before it.
 */
async function barrier(c: TestClient): Promise<VerdictMessage> {
	return c.mutate({ type: 'member.remove', orgId: ORG, userId: 'nobody' });
}

describe('project documents follow project access over real websockets', () => {
	it('a user removed from the only team that gave it access stops receiving the project at once; re-adding pushes it', async () => {
		const { alice, bob, carol } = await org({ bob: 'ORG_MEMBER', carol: 'ORG_OWNER' });
		await accepted(alice.client, { type: 'project.create', projectId: APOLLO, name: 'Apollo' });
		// carol, an unassigned org owner, has the new project pushed to her live connection.
		await carol.client.until(() => projectView(carol.client, APOLLO).name === 'Apollo');
		await accepted(alice.client, { type: 'team.create', teamId: 't-dev', name: 'Dev' });
		await accepted(alice.client, { type: 'team.addMember', teamId: 't-dev', userId: bob.user.id });
		expect(bob.client.docs.has(APOLLO_DOC)).toBe(false);
		await accepted(alice.client, { type: 'project.addTeam', projectId: APOLLO, teamId: 't-dev', roles: ['PROJECT_READ_ONLY'] });
		await bob.client.until(() => projectView(bob.client, APOLLO).teams['t-dev']?.[0] === 'PROJECT_READ_ONLY');
		expect(projectView(bob.client, APOLLO)).toEqual(projectView(alice.client, APOLLO));

		// Out of the team: the project goes at once, the organization stays.
		const mark = bob.client.log.length;
		await accepted(alice.client, { type: 'team.removeMember', teamId: 't-dev', userId: bob.user.id });
		const revoked = await revokedAt(bob.client, APOLLO_DOC, mark);
		expect(revokedFrames(bob.client, mark)).toHaveLength(1);

		// The owners keep receiving the project; bob gets nothing more of it.
		await accepted(alice.client, { type: 'project.setTeamRoles', projectId: APOLLO, teamId: 't-dev', roles: ['PROJECT_CLUSTER_MANAGER'] });
		await accepted(alice.client, { type: 'project.addUser', projectId: APOLLO, username: 'carol', roles: ['PROJECT_READ_ONLY'] });
		for (const c of [alice.client, carol.client]) {
			await c.until(() => projectView(c, APOLLO).users[carol.user.id]?.[0] === 'PROJECT_READ_ONLY');
			expect(projectView(c, APOLLO).teams['t-dev']).toEqual(['PROJECT_CLUSTER_MANAGER']);
		}
		const tried = await bob.client.mutate({ type: 'project.close', orgId: ORG, projectId: APOLLO });
		expect(tried).toMatchObject(refused('FORBIDDEN'));
		expect(bob.client.framesFor(APOLLO_DOC, mark)).toEqual([]);
		expect(bob.client.log.slice(mark, revoked).filter((e) => 'binary' in e && e.binary.doc === APOLLO_DOC)).toEqual([]);
		expect(projectView(bob.client, APOLLO).teams['t-dev']).toEqual(['PROJECT_READ_ONLY']);
		// Still a member: the organization document still comes.
		await accepted(alice.client, { type: 'org.rename', name: 'Acme Two' });
		await bob.client.until(() => bob.client.org(ORG).org?.name === 'Acme Two');
		expect(revokedFrames(bob.client).some((e) => 'text' in e && e.text.t === 'revoked' && e.text.doc === ORG_DOC)).toBe(false);
		// Asking for it again is refused.
		expect(await bob.client.sync(APOLLO_DOC)).toEqual({ text: expect.objectContaining({ t: 'revoked', doc: APOLLO_DOC }) });

		// Back in the team: the whole current document is pushed to the live connection, then its updates.
		const back = bob.client.log.length;
		await accepted(alice.client, { type: 'team.addMember', teamId: 't-dev', userId: bob.user.id });
		await bob.client.waitForEntry((e) => 'binary' in e && e.binary.doc === APOLLO_DOC && e.binary.kind === SYNC_UPDATE, back);
		expect(projectView(bob.client, APOLLO)).toEqual(projectView(alice.client, APOLLO));
		expect(projectView(bob.client, APOLLO).users[carol.user.id]).toEqual(['PROJECT_READ_ONLY']);
		await accepted(alice.client, { type: 'project.setTeamRoles', projectId: APOLLO, teamId: 't-dev', roles: ['PROJECT_READ_ONLY'] });
		await bob.client.until(() => projectView(bob.client, APOLLO).teams['t-dev']?.[0] === 'PROJECT_READ_ONLY');

		// Out again, then assigned individually: pushed again.
		const again = bob.client.log.length;
		await accepted(alice.client, { type: 'team.removeMember', teamId: 't-dev', userId: bob.user.id });
		await revokedAt(bob.client, APOLLO_DOC, again);
		const single = bob.client.log.length;
		await accepted(alice.client, { type: 'project.addUser', projectId: APOLLO, username: 'bob', roles: ['PROJECT_CLUSTER_MANAGER'] });
		await bob.client.until(() => projectView(bob.client, APOLLO).users[bob.user.id]?.[0] === 'PROJECT_CLUSTER_MANAGER');
		expect(bob.client.framesFor(APOLLO_DOC, single).length).toBeGreaterThan(0);
		expect(projectView(bob.client, APOLLO)).toEqual(projectView(alice.client, APOLLO));

		// And removed individually: revoked; alice and carol still follow.
		const last = bob.client.log.length;
		await accepted(alice.client, { type: 'project.removeUser', projectId: APOLLO, userId: bob.user.id });
		await revokedAt(bob.client, APOLLO_DOC, last);
		await accepted(alice.client, { type: 'project.removeUser', projectId: APOLLO, userId: carol.user.id });
		await carol.client.until(() => projectView(carol.client, APOLLO).users[carol.user.id] === undefined);
		await barrier(bob.client);
		expect(bob.client.framesFor(APOLLO_DOC, last)).toEqual([]);
		expect(projectView(bob.client, APOLLO).users[carol.user.id]).toEqual(['PROJECT_READ_ONLY']);
	});

	it('unassigning the team revokes its members; assigning it again pushes the project back', async () => {
		const { alice, bob } = await org({ bob: 'ORG_MEMBER' });
		await accepted(alice.client, { type: 'project.create', projectId: APOLLO, name: 'Apollo' });
		await accepted(alice.client, { type: 'team.create', teamId: 't-dev', name: 'Dev' });
		await accepted(alice.client, { type: 'team.addMember', teamId: 't-dev', userId: bob.user.id });
		await accepted(alice.client, { type: 'project.addTeam', projectId: APOLLO, teamId: 't-dev', roles: ['PROJECT_OWNER'] });
		await bob.client.until(() => projectView(bob.client, APOLLO).teams['t-dev'] !== undefined);
		const mark = bob.client.log.length;
		await accepted(alice.client, { type: 'project.removeTeam', projectId: APOLLO, teamId: 't-dev' });
		await revokedAt(bob.client, APOLLO_DOC, mark);
		await barrier(bob.client);
		expect(bob.client.framesFor(APOLLO_DOC, mark)).toEqual([]);
		expect(await bob.client.mutate({ type: 'project.close', orgId: ORG, projectId: APOLLO })).toMatchObject(refused('FORBIDDEN'));
		await accepted(alice.client, { type: 'project.addTeam', projectId: APOLLO, teamId: 't-dev', roles: ['PROJECT_READ_ONLY'] });
		await bob.client.until(() => projectView(bob.client, APOLLO).teams['t-dev']?.[0] === 'PROJECT_READ_ONLY');
		expect(projectView(bob.client, APOLLO)).toEqual(projectView(alice.client, APOLLO));
	});

	it('a member without a project role is not sent the project; ORG_READ_ONLY is sent every project', async () => {
		const { alice, bob, carol, dan } = await org({ bob: 'ORG_MEMBER', carol: 'ORG_MEMBER', dan: 'ORG_READ_ONLY' });
		await accepted(alice.client, { type: 'project.create', projectId: APOLLO, name: 'Apollo' });
		await accepted(alice.client, { type: 'project.create', projectId: GEMINI, name: 'Gemini' });
		await accepted(alice.client, { type: 'project.addUser', projectId: APOLLO, username: 'carol', roles: ['PROJECT_READ_ONLY'] });
		// dan's live connection gets each new project; carol only hers.
		await dan.client.until(() => projectView(dan.client, APOLLO).name === 'Apollo' && projectView(dan.client, GEMINI).name === 'Gemini');
		await carol.client.until(() => projectView(carol.client, APOLLO).users[carol.user.id] !== undefined);
		await barrier(bob.client);
		await barrier(carol.client);
		expect(bob.client.log.filter((e) => 'binary' in e && e.binary.doc.startsWith('project:'))).toEqual([]);
		expect(carol.client.framesFor(GEMINI_DOC)).toEqual([]);

		const fresh = {
			bob: await t.connect(bob.cookie),
			carol: await t.connect(carol.cookie),
			dan: await t.connect(dan.cookie),
			alice: await t.connect(alice.cookie)
		};
		// Billing goes to owners and read-only members too (dan is ORG_READ_ONLY).
		const BILLING = billingDocId(ORG);
		expect(fresh.bob.welcome().docs).toEqual([ORG_DOC]);
		expect([...fresh.carol.welcome().docs].sort()).toEqual([ORG_DOC, APOLLO_DOC].sort());
		expect([...fresh.dan.welcome().docs].sort()).toEqual([ORG_DOC, BILLING, APOLLO_DOC, GEMINI_DOC].sort());
		expect([...fresh.alice.welcome().docs].sort()).toEqual([ORG_DOC, BILLING, APOLLO_DOC, GEMINI_DOC].sort());
		expect(projectView(fresh.dan, APOLLO)).toEqual(projectView(fresh.alice, APOLLO));
		expect(projectView(fresh.dan, GEMINI)).toEqual(projectView(fresh.alice, GEMINI));

		// Asking anyway is refused and sends nothing, for a real project and an unknown one.
		for (const doc of [APOLLO_DOC, GEMINI_DOC, projectDocId(ORG, 'p-nope')]) {
			expect(await fresh.bob.sync(doc)).toEqual({ text: expect.objectContaining({ t: 'revoked', doc }) });
		}
		expect(await fresh.carol.sync(GEMINI_DOC)).toEqual({ text: expect.objectContaining({ t: 'revoked', doc: GEMINI_DOC }) });
		expect(fresh.bob.log.filter((e) => 'binary' in e && e.binary.doc.startsWith('project:'))).toEqual([]);
		expect(projectView(fresh.bob, APOLLO).users).toEqual({});

		// Reading everything is not managing anything.
		expect(await dan.client.mutate({ type: 'project.close', orgId: ORG, projectId: APOLLO })).toMatchObject(refused('FORBIDDEN'));

		// Demoted to ORG_MEMBER, dan loses both projects at once on every connection.
		const marks = [dan.client, fresh.dan].map((c) => c.log.length);
		await accepted(alice.client, { type: 'member.setRole', userId: dan.user.id, role: 'ORG_MEMBER' });
		for (const [i, c] of [dan.client, fresh.dan].entries()) {
			await revokedAt(c, APOLLO_DOC, marks[i]!);
			await revokedAt(c, GEMINI_DOC, marks[i]!);
			// …and billing, which ORG_READ_ONLY reads and ORG_MEMBER does not.
			expect(
				revokedFrames(c, marks[i])
					.map((e) => 'text' in e && e.text.t === 'revoked' && e.text.doc)
					.sort()
			).toEqual([APOLLO_DOC, GEMINI_DOC, billingDocId(ORG)].sort());
		}
	});

	it('adding a non-member to a project brings it into the organization and pushes both documents live', async () => {
		const { alice } = await org();
		await accepted(alice.client, { type: 'project.create', projectId: APOLLO, name: 'Apollo' });
		await accepted(alice.client, { type: 'project.create', projectId: GEMINI, name: 'Gemini' });
		const zed = await t.user('zed');
		expect(zed.client.welcome().docs).toEqual([]);
		await accepted(alice.client, { type: 'project.addUser', projectId: APOLLO, username: 'zed', roles: ['PROJECT_READ_ONLY'] });
		await zed.client.until(
			() =>
				zed.client.org(ORG).members[zed.user.id]?.role === 'ORG_MEMBER' && projectView(zed.client, APOLLO).users[zed.user.id] !== undefined
		);
		expect(projectView(zed.client, APOLLO)).toEqual(projectView(alice.client, APOLLO));
		await barrier(zed.client);
		expect(zed.client.framesFor(GEMINI_DOC)).toEqual([]);
		const fresh = await t.connect(zed.cookie);
		expect([...fresh.welcome().docs].sort()).toEqual([ORG_DOC, APOLLO_DOC].sort());

		// Removed from the organization: every document goes, the project's included, and the assignment with it.
		const marks = [zed.client, fresh].map((c) => c.log.length);
		await accepted(alice.client, { type: 'member.remove', userId: zed.user.id });
		for (const [i, c] of [zed.client, fresh].entries()) {
			await revokedAt(c, ORG_DOC, marks[i]!);
			await revokedAt(c, APOLLO_DOC, marks[i]!);
		}
		await alice.client.until(() => projectView(alice.client, APOLLO).users[zed.user.id] === undefined);
		expect((await t.connect(zed.cookie)).welcome().docs).toEqual([]);
	});

	it.each([
		{
			name: 'two project.removeUser of the two last owners',
			first: (bob: string) => ({ type: 'project.removeUser', projectId: APOLLO, userId: bob }),
			second: (carol: string) => ({ type: 'project.removeUser', projectId: APOLLO, userId: carol })
		},
		{
			name: 'an org removal and a role edit of the two last owners',
			first: (bob: string) => ({ type: 'member.remove', userId: bob }),
			second: (carol: string) => ({ type: 'project.setUserRoles', projectId: APOLLO, userId: carol, roles: ['PROJECT_READ_ONLY'] })
		}
	])('concurrently, $name by two admins leave exactly one owner', async ({ first, second }) => {
		const { alice, bob, carol, dave, erin } = await org({ bob: 'ORG_MEMBER', carol: 'ORG_MEMBER', dave: 'ORG_OWNER', erin: 'ORG_MEMBER' });
		await accepted(alice.client, { type: 'project.create', projectId: APOLLO, name: 'Apollo' });
		await accepted(alice.client, { type: 'project.addUser', projectId: APOLLO, username: 'bob', roles: ['PROJECT_OWNER'] });
		await accepted(alice.client, { type: 'project.addUser', projectId: APOLLO, username: 'carol', roles: ['PROJECT_OWNER'] });
		await accepted(alice.client, { type: 'project.addUser', projectId: APOLLO, username: 'erin', roles: ['PROJECT_READ_ONLY'] });
		await accepted(alice.client, { type: 'project.removeUser', projectId: APOLLO, userId: alice.user.id });

		// Both sent before either verdict is awaited.
		const verdicts = await Promise.all([
			alice.client.mutate({ orgId: ORG, ...first(bob.user.id) }),
			dave.client.mutate({ orgId: ORG, ...second(carol.user.id) })
		]);
		expect(verdicts.filter((v) => v.ok)).toHaveLength(1);
		const refusals = verdicts.filter((v) => !v.ok);
		expect(refusals).toEqual([refused('LAST_PROJECT_OWNER')]);
		expect(refusals[0]!.ok || refusals[0]!.message).toContain('Apollo');

		const fresh = await t.connect(dave.cookie);
		const view = projectView(fresh, APOLLO);
		const owners = Object.entries(view.users).filter(([, roles]) => roles.includes('PROJECT_OWNER'));
		expect(owners).toHaveLength(1);
		expect([bob.user.id, carol.user.id]).toContain(owners[0]![0]);
		expect(view.users[erin.user.id]).toEqual(['PROJECT_READ_ONLY']);
		// The survivor is now the last owner: removing it is refused too.
		expect(await dave.client.mutate({ type: 'project.removeUser', orgId: ORG, projectId: APOLLO, userId: owners[0]![0] })).toMatchObject(
			refused('LAST_PROJECT_OWNER')
		);
	});

	it('keeps project documents across a restart, and the indexes the rules need', async () => {
		const { alice, bob, carol } = await org({ bob: 'ORG_MEMBER', carol: 'ORG_MEMBER' });
		await accepted(alice.client, { type: 'project.create', projectId: APOLLO, name: 'Apollo' });
		await accepted(alice.client, { type: 'project.create', projectId: GEMINI, name: 'Gemini' });
		await accepted(alice.client, { type: 'team.create', teamId: 't-dev', name: 'Dev' });
		await accepted(alice.client, { type: 'team.addMember', teamId: 't-dev', userId: bob.user.id });
		await accepted(alice.client, { type: 'project.addTeam', projectId: APOLLO, teamId: 't-dev', roles: ['PROJECT_CLUSTER_MANAGER'] });
		await accepted(alice.client, {
			type: 'project.addUser',
			projectId: APOLLO,
			username: 'carol',
			roles: ['PROJECT_READ_ONLY', 'PROJECT_OWNER']
		});
		await accepted(alice.client, { type: 'project.close', projectId: GEMINI });
		await alice.client.until(() => projectView(alice.client, GEMINI).status === 'closed');
		const before = { apollo: projectView(alice.client, APOLLO), gemini: projectView(alice.client, GEMINI) };
		expect(before.apollo.users).toEqual({
			[alice.user.id]: ['PROJECT_OWNER'],
			[carol.user.id]: ['PROJECT_OWNER', 'PROJECT_READ_ONLY']
		});
		expect(before.apollo.teams).toEqual({ 't-dev': ['PROJECT_CLUSTER_MANAGER'] });

		await t.restart();
		const a = await t.connect(alice.cookie);
		expect([...a.welcome().docs].sort()).toEqual([ORG_DOC, billingDocId(ORG), APOLLO_DOC, GEMINI_DOC].sort());
		expect(projectView(a, APOLLO)).toEqual(before.apollo);
		expect(projectView(a, GEMINI)).toEqual(before.gemini);
		// bob reads Apollo through Dev only: the team indexes came back too.
		const b = await t.connect(bob.cookie);
		expect([...b.welcome().docs].sort()).toEqual([ORG_DOC, APOLLO_DOC].sort());
		expect(projectView(b, APOLLO)).toEqual(before.apollo);

		// The rules still see the reloaded assignments.
		expect(await a.mutate({ type: 'project.close', orgId: ORG, projectId: GEMINI })).toMatchObject(refused('PROJECT_CLOSED'));
		await accepted(a, { type: 'project.removeUser', projectId: APOLLO, userId: alice.user.id });
		const carolId = carol.user.id;
		expect(await a.mutate({ type: 'member.remove', orgId: ORG, userId: carolId })).toMatchObject(refused('LAST_PROJECT_OWNER'));
		expect(await a.mutate({ type: 'project.removeUser', orgId: ORG, projectId: APOLLO, userId: carolId })).toMatchObject(
			refused('LAST_PROJECT_OWNER')
		);
		// Deleting Dev removes its assignment (found by the reloaded index) and bob's access with it.
		const mark = b.log.length;
		await accepted(a, { type: 'team.delete', teamId: 't-dev' });
		await revokedAt(b, APOLLO_DOC, mark);
		await a.until(() => projectView(a, APOLLO).teams['t-dev'] === undefined);
		const c = await t.connect(bob.cookie);
		expect(c.welcome().docs).toEqual([ORG_DOC]);
	});
});
