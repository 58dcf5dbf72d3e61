import { describe, expect, it } from 'vitest';
import { projectMaps } from '$lib/domain/index.ts';
import { CLOSE, projectDocId } from '$lib/protocol/messages.ts';
import { within } from '../fuzz/fuzz-run.ts';
import { connect, deploymentForEachTest, user } from './deployment.ts';
import { acmeAcross, expectReplicaEqualsStore, storedDoc, teamIds } from './replicas.ts';
import { MutationStream, type Sending } from './stream.ts';

/**
 * Several Roster processes on one database (issue 11, Tests): whatever instance a client is
 * on, its mutations are checked against one view of the organization, applied once, durable
 * before acknowledged, and seen by every member on every instance.
 */
const d = deploymentForEachTest(3);

/** `count` mutations of one user: new teams and projects, each with a name of its own. */
function creations(who: string, count: number): Sending[] {
	return Array.from({ length: count }, (_, k) => {
		const id = `${who}-${k}`;
		const body =
			k % 3 === 2
				? { type: 'project.create', orgId: 'acme', projectId: `p-${id}`, name: `P ${id}` }
				: { type: 'team.create', orgId: 'acme', teamId: `t-${id}`, name: `T ${id}` };
		return { id: `mutation-${id}`, body };
	});
}

/** What the store holds of a creation, and the verdict it recorded: a mutation is all there or not at all. */
async function storedOutcome(userId: string, { id, body }: Sending) {
	const b = body as { type: string; teamId?: string; projectId?: string };
	const present =
		b.type === 'team.create'
			? teamIds(await storedDoc(d, 'org:acme')).includes(b.teamId!)
			: (await d.documents.docUpdates(projectDocId('acme', b.projectId!))).length > 0;
	return { present, recorded: await d.documents.mutation(userId, id) };
}

describe('several instances on one database', () => {
	it('clients on three instances converge byte for byte', async () => {
		const { alice, bob, carol, doc } = await acmeAcross(d, { bob: { role: 'ORG_OWNER', on: 1 }, carol: { role: 'ORG_OWNER', on: 2 } });
		const streams = [alice, bob, carol].map((u) => ({ u, stream: new MutationStream(creations(u.user.username, 12)) }));
		await Promise.all(streams.map(({ u, stream }) => stream.send(u.client)));
		for (const { stream } of streams) expect(stream.accepted()).toHaveLength(12);
		// And a rename each at once: the three reach one name, whichever went last.
		await Promise.all([alice, bob, carol].map((u, i) => u.client.mutate({ type: 'org.rename', orgId: 'acme', name: `Acme ${i}` })));
		for (const [name, u] of Object.entries({ alice, bob, carol })) await expectReplicaEqualsStore(d, u.client, name);
		expect(teamIds(await storedDoc(d, doc))).toHaveLength(3 * 8);
		// A fresh connection to each instance is sent the same bytes.
		for (let i = 0; i < 3; i++)
			await expectReplicaEqualsStore(d, await connect(d, alice.cookie, i), `alice's fresh socket on instance ${i}`);
	});

	it('two owners on two instances demote each other at once: exactly one is accepted', async () => {
		const { alice, bob, carol } = await acmeAcross(d, { bob: { role: 'ORG_OWNER', on: 1 }, carol: { role: 'ORG_OWNER', on: 2 } });
		for (let round = 0; round < 4; round++) {
			const [byBob, byCarol] = await Promise.all([
				bob.client.mutate({ type: 'member.setRole', orgId: 'acme', userId: carol.user.id, role: 'ORG_MEMBER' }),
				carol.client.mutate({ type: 'member.setRole', orgId: 'acme', userId: bob.user.id, role: 'ORG_MEMBER' })
			]);
			expect([byBob.ok, byCarol.ok].filter(Boolean), `round ${round}: ${JSON.stringify([byBob, byCarol])}`).toHaveLength(1);
			expect([byBob, byCarol].find((v) => !v.ok)).toMatchObject({ code: 'FORBIDDEN' });
			const [winner, loser] = byBob.ok ? [bob, carol] : [carol, bob];
			const roles = () => Object.values(alice.client.org('acme').members).map((m) => [m.username, m.role]);
			await expectReplicaEqualsStore(d, alice.client, 'alice');
			expect(roles().sort()).toEqual(
				[
					['alice', 'ORG_OWNER'],
					[loser.user.username, 'ORG_MEMBER'],
					[winner.user.username, 'ORG_OWNER']
				].sort()
			);
			await expectReplicaEqualsStore(d, winner.client, winner.user.username);
			await expectReplicaEqualsStore(d, loser.client, loser.user.username);
			// Both owners again, for the next round.
			expect(await alice.client.mutate({ type: 'member.setRole', orgId: 'acme', userId: loser.user.id, role: 'ORG_OWNER' })).toMatchObject({
				ok: true
			});
			await within(
				loser.client.until(() => loser.client.org('acme').members[loser.user.id]?.role === 'ORG_OWNER'),
				'owner again'
			);
		}
	});

	it('the same mutation id sent to two instances at once is applied once, and both sockets get its verdict', async () => {
		const { bob } = await acmeAcross(d, { bob: { role: 'ORG_OWNER', on: 1 } });
		const bobOn2 = await connect(d, bob.cookie, 2);
		for (let k = 0; k < 6; k++) {
			const id = `same-id-${k}`;
			const body = { type: 'team.create', orgId: 'acme', teamId: `t${k}`, name: `Team ${k}` };
			// Applied twice, the second would be refused TEAM_EXISTS.
			const verdicts = await Promise.all([bob.client.mutate(body, id), bobOn2.mutate(body, id)]);
			expect(verdicts, id).toEqual([
				{ t: 'verdict', id, ok: true },
				{ t: 'verdict', id, ok: true }
			]);
		}
		const feed = await d.documents.activity('acme', { limit: 100 });
		expect(
			feed
				.filter((row) => row.type === 'team.create')
				.map((row) => JSON.parse(row.body).teamId as string)
				.sort()
		).toEqual(['t0', 't1', 't2', 't3', 't4', 't5']);
		await expectReplicaEqualsStore(d, bob.client, 'bob on instance 1');
		await expectReplicaEqualsStore(d, bobOn2, 'bob on instance 2');
	});

	it('signing out through one instance closes that session’s socket on another at once', async () => {
		const { bob } = await acmeAcross(d, { bob: { role: 'ORG_MEMBER', on: 1 } });
		const res = await fetch(new URL('/api/signout', d.instances.base(2)), {
			method: 'POST',
			headers: { cookie: bob.cookie, origin: d.instances.base(2) }
		});
		expect(res.status).toBeLessThan(300);
		// Not at its next frame or the minute's sweep: the other server is told when the session ends.
		expect(await within(bob.client.closed, 'bob’s socket on instance 1 closes')).toMatchObject({ code: CLOSE.unauthenticated.code });
	});

	it('a member removed on one instance loses the documents at once on its socket to another', async () => {
		const { alice, bob, carol, doc } = await acmeAcross(d, { bob: { role: 'ORG_MEMBER', on: 1 }, carol: { role: 'ORG_MEMBER', on: 1 } });
		expect(await alice.client.mutate({ type: 'project.create', orgId: 'acme', projectId: 'apollo', name: 'Apollo' })).toMatchObject({
			ok: true
		});
		expect(
			await alice.client.mutate({
				type: 'project.addUser',
				orgId: 'acme',
				projectId: 'apollo',
				username: 'bob',
				roles: ['PROJECT_READ_ONLY']
			})
		).toMatchObject({ ok: true });
		const project = projectDocId('acme', 'apollo');
		const apollo = () => bob.client.docs.get(project);
		await within(
			bob.client.until(() => apollo() !== undefined && projectMaps(apollo()!).meta.has('project')),
			'bob is sent the project'
		);
		const since = bob.client.log.length;
		expect(await alice.client.mutate({ type: 'member.remove', orgId: 'acme', userId: bob.user.id })).toMatchObject({ ok: true });
		for (const docId of [doc, project]) {
			await within(
				bob.client.waitFor((m) => m.t === 'revoked' && m.doc === docId, since),
				`bob's ${docId} revoked on instance 1`
			);
		}
		// Later changes reach carol, on bob's instance, and not bob; asking again is refused.
		expect(await alice.client.mutate({ type: 'org.rename', orgId: 'acme', name: 'Secret Acme' })).toMatchObject({ ok: true });
		await within(
			carol.client.until(() => carol.client.org('acme').org?.name === 'Secret Acme'),
			'carol sees the rename'
		);
		// Instance 1 sent the rename to its sockets at once; bob's verdict below comes after anything it sent bob.
		expect(await bob.client.mutate({ type: 'org.rename', orgId: 'acme', name: 'Mine' })).toMatchObject({ ok: false, code: 'NOT_A_MEMBER' });
		const revokedAt = (docId: string) =>
			bob.client.log.findIndex((e, k) => k >= since && 'text' in e && e.text.t === 'revoked' && e.text.doc === docId);
		expect(
			[...bob.client.framesFor(doc, revokedAt(doc)), ...bob.client.framesFor(project, revokedAt(project))],
			'frames after revoked'
		).toEqual([]);
		expect(await bob.client.sync(doc)).toEqual({ text: expect.objectContaining({ t: 'revoked', doc }) });
	});

	it('a user added on one instance is sent the organization at once on its open socket to another', async () => {
		const alice = await user(d, 'alice', 0);
		expect(await alice.client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject({ ok: true });
		const bob = await user(d, 'bob', 1);
		expect(await alice.client.mutate({ type: 'member.add', orgId: 'acme', username: 'bob', role: 'ORG_MEMBER' })).toMatchObject({
			ok: true
		});
		await within(
			bob.client.until(() => bob.client.org('acme').members[bob.user.id] !== undefined),
			'bob, on instance 1 before being added on instance 0, is sent acme'
		);
		await expectReplicaEqualsStore(d, bob.client, 'bob');
	});

	it('an instance killed (kill -9) mid-stream and restarted: every acknowledged mutation is there, nothing half-applied', async () => {
		const { alice, bob, carol, doc } = await acmeAcross(d, { bob: { role: 'ORG_OWNER', on: 1 }, carol: { role: 'ORG_OWNER', on: 2 } });
		const [aliceStream, bobStream, carolStream] = ['alice', 'bob', 'carol'].map((who) => new MutationStream(creations(who, 30), 6));
		const others = Promise.all([aliceStream!.send(alice.client), carolStream!.send(carol.client)]);
		const bobSending = bobStream!.send(bob.client);
		await bobStream!.answered(8);
		await d.instances.kill(1);
		await bobSending;
		expect(bobStream!.unanswered().length, 'the kill left bob mutations without verdicts').toBeGreaterThan(0);
		const acknowledged = bobStream!.accepted();
		await d.instances.restart(1);
		// Every unanswered mutation of bob's is in the store whole (with its verdict) or not at all.
		for (const item of bobStream!.unanswered()) {
			const { present, recorded } = await storedOutcome(bob.user.id, item);
			expect({ id: item.id, present, recorded }).toEqual({ id: item.id, present, recorded: present ? { ok: true } : undefined });
		}
		// Bob reconnects to the restarted instance and sends again what got no verdict, under the same ids.
		const bobAgain = await connect(d, bob.cookie, 1);
		await bobStream!.send(bobAgain);
		await others;
		for (const stream of [aliceStream!, bobStream!, carolStream!]) expect(stream.unanswered()).toEqual([]);
		for (const stream of [aliceStream!, bobStream!, carolStream!]) expect(stream.accepted()).toHaveLength(30);
		expect(acknowledged.every((id) => bobStream!.accepted().includes(id))).toBe(true);
		// Every creation present once, on every member's replica and on a fresh socket to each instance.
		expect(teamIds(await storedDoc(d, doc))).toHaveLength(3 * 20);
		for (const [name, client] of Object.entries({ alice: alice.client, carol: carol.client, bob: bobAgain })) {
			await expectReplicaEqualsStore(d, client, name);
		}
		for (let i = 0; i < 3; i++)
			await expectReplicaEqualsStore(d, await connect(d, carol.cookie, i), `carol's fresh socket on instance ${i}`);
	});

	it('PostgreSQL restarted under load: instances reconnect by themselves, nothing uncommitted is acknowledged, resent mutations land once', async () => {
		const { alice, bob, carol, doc } = await acmeAcross(d, { bob: { role: 'ORG_OWNER', on: 1 }, carol: { role: 'ORG_OWNER', on: 2 } });
		const users = [alice, bob, carol];
		const streams = users.map((u) => new MutationStream(creations(u.user.username, 30), 4));
		const sending = streams.map((stream, i) => stream.send(users[i]!.client));
		await Promise.all(streams.map((stream) => stream.answered(5)));
		await d.postgres.halt('fast');
		// Each socket is answered or closed: a commit that failed acknowledges nothing and closes its sockets (1013, try again).
		await within(Promise.all(sending), 'every mutation answered or its socket closed while PostgreSQL is down', 20_000);
		const acknowledged = streams.map((stream) => stream.accepted());
		for (const [i, u] of users.entries()) {
			for (const id of streams[i]!.verdicts.keys())
				expect(streams[i]!.verdicts.get(id), `${id} while PostgreSQL went down`).toMatchObject({ ok: true });
			if (u.client.ws.readyState !== u.client.ws.OPEN)
				expect(await u.client.closed, `${u.user.username}'s socket; instance ${i} wrote:\n${d.instances.output(i)}`).toMatchObject({
					code: 1013
				});
		}
		expect(
			streams.some((stream) => stream.unanswered().length > 0),
			'PostgreSQL went down before every mutation was answered'
		).toBe(true);
		await d.postgres.start();
		// The same instances, not restarted: each reconnects to PostgreSQL by itself. Clients send again what got no verdict, under the same ids.
		await Promise.all(
			users.map(async (u, i) => {
				const open = u.client.ws.readyState === u.client.ws.OPEN;
				await streams[i]!.send(open ? u.client : await connect(d, u.cookie, i));
			})
		);
		for (const [i, stream] of streams.entries()) {
			expect(stream.unanswered(), users[i]!.user.username).toEqual([]);
			expect(stream.accepted(), users[i]!.user.username).toHaveLength(30);
			expect(acknowledged[i]!.every((id) => stream.accepted().includes(id))).toBe(true);
		}
		// Everything once: 20 teams and 10 projects from each, each team and project once (applied twice, one would be refused).
		expect(teamIds(await storedDoc(d, doc))).toHaveLength(3 * 20);
		expect(await d.documents.docIdsWithPrefix('project:acme/')).toHaveLength(3 * 10);
		for (let i = 0; i < 3; i++)
			await expectReplicaEqualsStore(d, await connect(d, users[i]!.cookie, i), `${users[i]!.user.username} reconnected`);
	});
});
