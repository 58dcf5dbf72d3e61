import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { orgMaps, type OrgRole } from '$lib/domain/index.ts';
import { encodeSyncFrame, SYNC_STEP2, SYNC_UPDATE } from '$lib/protocol/frames.ts';
import { billingDocId, orgDocId } from '$lib/protocol/messages.ts';
import { signUp, verifyEmail, type TestClient } from './test-client.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';

const ORG = 'acme';
const DOC = orgDocId(ORG);
const ok = { t: 'verdict', ok: true };
const refused = (code: string) => expect.objectContaining({ t: 'verdict', ok: false, code });

const t = serverForEachTest();

/** Alice creates the organization; every other name joins it live with the given role. */
const org = <K extends string = never>(members = {} as Record<K, OrgRole>) => orgWith(t, { id: ORG, members });

/** A fresh connection's view of the organization, as the server has it now. */
async function freshView(cookie: string) {
	const c = await t.connect(cookie);
	const v = c.org(ORG);
	c.close();
	return v;
}

describe('sync over real websockets', () => {
	it('two admins converge: one adds a member, the other sees it', async () => {
		const { alice, bob } = await org({ bob: 'ORG_OWNER' });
		const carol = await signUp(t.base, 'carol');
		expect(await bob.client.mutate({ type: 'member.add', orgId: ORG, username: 'carol', role: 'ORG_MEMBER' })).toMatchObject(ok);
		await alice.client.until(() => alice.client.org(ORG).members[carol.user.id] !== undefined);
		expect(alice.client.org(ORG)).toEqual(bob.client.org(ORG));
		expect(alice.client.org(ORG).members[carol.user.id]).toMatchObject({ username: 'carol', role: 'ORG_MEMBER' });
		expect(await freshView(alice.cookie)).toEqual(alice.client.org(ORG));
	});

	it('refuses raw Yjs updates (update and step 2) and changes nothing', async () => {
		const { alice, bob } = await org({ bob: 'ORG_OWNER' });
		const before = alice.client.org(ORG);
		const rows = (await t.server.documents.docUpdates(DOC)).length;
		// A real update on top of the synced state: a forged member and a new name.
		const fork = new Y.Doc();
		Y.applyUpdate(fork, Y.encodeStateAsUpdate(bob.client.doc(DOC)));
		const updates: Uint8Array[] = [];
		fork.on('update', (u: Uint8Array) => updates.push(u));
		const { meta, members } = orgMaps(fork);
		fork.transact(() => {
			members.set('mallory', { ...members.get(bob.user.id)!, userId: 'mallory', username: 'mallory' });
			meta.set('org', { ...meta.get('org')!, name: 'Pwned', primaryAdminId: bob.user.id });
		});
		for (const kind of [SYNC_UPDATE, SYNC_STEP2]) {
			const since = bob.client.log.length;
			bob.client.send(encodeSyncFrame(DOC, kind, updates[0]!));
			expect(await bob.client.waitFor((m) => m.t === 'error', since)).toMatchObject({ code: 'RAW_UPDATE_REFUSED' });
		}
		// The connection stays usable, and a later mutation's verdict shows nothing else arrived.
		const since = bob.client.log.length;
		expect(await bob.client.mutate({ type: 'member.remove', orgId: ORG, userId: 'mallory' })).toMatchObject(refused('MEMBER_NOT_FOUND'));
		expect(bob.client.framesFor(DOC, since)).toEqual([]);
		expect(await t.server.documents.docUpdates(DOC)).toHaveLength(rows);
		expect(await freshView(alice.cookie)).toEqual(before);
		expect(before.org!.name).toBe('Acme');
	});

	it('sends a non-member nothing of an organization', async () => {
		await org();
		const eve = await t.user('eve');
		expect(eve.client.welcome().docs).toEqual([]);
		expect(await eve.client.sync(DOC)).toEqual({ text: expect.objectContaining({ t: 'revoked', doc: DOC }) });
		for (const mutation of [
			{ type: 'member.add', orgId: ORG, username: 'eve', role: 'ORG_OWNER' },
			{ type: 'org.rename', orgId: ORG, name: 'Eve Corp' },
			{ type: 'member.leave', orgId: ORG }
		]) {
			expect(await eve.client.mutate(mutation)).toMatchObject(refused('NOT_A_MEMBER'));
		}
		expect(eve.client.log.filter((e) => 'binary' in e)).toEqual([]);
		expect(eve.client.docs.get(DOC)?.getMap('members').size ?? 0).toBe(0);
	});

	it('applies a retried mutation id once and answers with its first verdict', async () => {
		const { alice } = await org();
		const bob = await signUp(t.base, 'bob');
		const add = randomUUID();
		const addBob = { type: 'member.add', orgId: ORG, username: 'bob', role: 'ORG_MEMBER' };
		// Twice at once: the second arrives while the first is in flight.
		void alice.client.mutate(addBob, add);
		void alice.client.mutate(addBob, add);
		await alice.client.until(() => alice.client.verdicts(add).length === 2);
		expect(alice.client.verdicts(add)).toEqual([ok, ok].map((v) => ({ ...v, id: add })));
		expect(await alice.client.mutate({ type: 'member.remove', orgId: ORG, userId: bob.user.id })).toMatchObject(ok);
		// Again later: still "accepted", and bob is not added back.
		expect(await alice.client.mutate(addBob, add)).toEqual({ ...ok, id: add });
		expect(alice.client.org(ORG).members[bob.user.id]).toBeUndefined();

		// A refused one keeps its refusal even once it would be accepted.
		const ghost = randomUUID();
		const addCarol = { type: 'member.add', orgId: ORG, username: 'carol', role: 'ORG_MEMBER' };
		const first = await alice.client.mutate(addCarol, ghost);
		expect(first).toMatchObject(refused('USER_NOT_FOUND'));
		const carol = await signUp(t.base, 'carol');
		expect(await alice.client.mutate(addCarol, ghost)).toEqual(first);

		// After a reconnect, too.
		alice.client.close();
		const again = await t.connect(alice.cookie);
		expect(await again.mutate(addBob, add)).toEqual({ ...ok, id: add });
		expect(await again.mutate(addCarol, ghost)).toEqual(first);
		expect(Object.keys(again.org(ORG).members)).toEqual([alice.user.id]);
		expect(again.org(ORG).members[carol.user.id]).toBeUndefined();
	});

	it('keeps every acknowledged mutation across a restart', async () => {
		const { alice } = await org();
		const names = ['bob', 'carol', 'dave', 'erin'];
		const users = await Promise.all(names.map((n) => signUp(t.base, n)));
		const sent = [
			...names.map((n) => ({ type: 'member.add', orgId: ORG, username: n, role: 'ORG_MEMBER' })),
			{ type: 'member.add', orgId: ORG, username: 'nobody', role: 'ORG_MEMBER' },
			{ type: 'member.setRole', orgId: ORG, userId: users[0]!.user.id, role: 'ORG_OWNER' },
			{ type: 'member.remove', orgId: ORG, userId: users[3]!.user.id },
			...Array.from({ length: 10 }, (_, i) => ({ type: 'org.rename', orgId: ORG, name: `Acme ${i + 1}` }))
		].map((m) => ({ m, id: randomUUID() }));
		const verdicts = await Promise.all(sent.map(({ m, id }) => alice.client.mutate(m, id)));
		expect(verdicts.map((v) => v.ok)).toEqual(sent.map(({ m }) => !('username' in m && m.username === 'nobody')));
		const before = alice.client.org(ORG);

		await t.restart();
		const after = await t.connect(alice.cookie);
		expect(after.welcome().docs).toEqual([DOC, billingDocId(ORG)]);
		expect(after.org(ORG)).toEqual(before);
		expect(before.org!.name).toBe('Acme 10');
		expect(Object.keys(before.members).sort()).toEqual([alice.user.id, ...users.slice(0, 3).map((u) => u.user.id)].sort());
		expect(before.members[users[0]!.user.id]!.role).toBe('ORG_OWNER');
		// The verdicts are durable too: a retry after the restart changes nothing.
		for (const [i, { m, id }] of sent.entries()) expect(await after.mutate(m, id)).toEqual(verdicts[i]);
		expect(after.org(ORG)).toEqual(before);
	});

	it('keeps the document across a restart after its update log was compacted', async () => {
		const { alice } = await org();
		for (let i = 1; i <= 510; i++) {
			expect(await alice.client.mutate({ type: 'org.rename', orgId: ORG, name: `Acme ${i}` })).toMatchObject(ok);
		}
		expect((await t.server.documents.docUpdates(DOC)).length).toBeLessThan(500);
		await t.restart();
		expect((await freshView(alice.cookie)).org!.name).toBe('Acme 510');
	});

	it('revokes a removed member at once, sends it nothing more, and forgets the doc on reconnect', async () => {
		const { alice, bob } = await org({ bob: 'ORG_MEMBER' });
		const secondTab = await t.connect(bob.cookie);
		const tabs: TestClient[] = [bob.client, secondTab];
		const marks = tabs.map((c) => c.log.length);
		expect(await alice.client.mutate({ type: 'member.remove', orgId: ORG, userId: bob.user.id })).toMatchObject(ok);
		const revokedAt = await Promise.all(
			tabs.map(async (c, i) => {
				await c.waitFor((m) => m.t === 'revoked' && m.doc === DOC, marks[i]);
				return c.log.findIndex((e, j) => j >= marks[i]! && 'text' in e && e.text.t === 'revoked');
			})
		);
		expect(await alice.client.mutate({ type: 'org.rename', orgId: ORG, name: 'After Bob' })).toMatchObject(ok);
		for (const [i, c] of tabs.entries()) {
			// A verdict sent after the rename's broadcast: any frame for the doc would have come first.
			expect(await c.mutate({ type: 'org.rename', orgId: ORG, name: 'Bob was here' })).toMatchObject(refused('NOT_A_MEMBER'));
			expect(c.framesFor(DOC, marks[i])).toEqual([]);
			expect(c.log.slice(marks[i], revokedAt[i]).filter((e) => 'binary' in e)).toEqual([]);
			expect(c.org(ORG).org!.name).toBe('Acme');
		}
		const again = await t.connect(bob.cookie);
		expect(again.welcome().docs).toEqual([]);
		expect(again.framesFor(DOC)).toEqual([]);
	});

	it('pushes the document to a new member on its live connection', async () => {
		const { alice } = await org();
		const bob = await t.user('bob');
		expect(bob.client.welcome().docs).toEqual([]);
		expect(await alice.client.mutate({ type: 'member.add', orgId: ORG, username: 'bob', role: 'ORG_READ_ONLY' })).toMatchObject(ok);
		await bob.client.until(() => bob.client.org(ORG).members[bob.user.id] !== undefined);
		expect(bob.client.org(ORG)).toEqual(alice.client.org(ORG));
		// And the updates that follow.
		expect(await alice.client.mutate({ type: 'org.rename', orgId: ORG, name: 'Acme Two' })).toMatchObject(ok);
		await bob.client.until(() => bob.client.org(ORG).org?.name === 'Acme Two');
	});

	it('refuses to transfer primary admin to an unverified member until the email is verified', async () => {
		const { alice, bob } = await org({ bob: 'ORG_MEMBER' });
		const transfer = { type: 'org.transferPrimaryAdmin', orgId: ORG, userId: bob.user.id };
		expect(await alice.client.mutate(transfer)).toMatchObject(refused('EMAIL_NOT_VERIFIED'));
		expect(alice.client.org(ORG).org!.primaryAdminId).toBe(alice.user.id);

		expect(await verifyEmail(t.dataDir, bob.user.email)).toBe('/?verified=1');
		// The member's copy of the profile follows.
		await alice.client.until(() => alice.client.org(ORG).members[bob.user.id]!.emailVerified);
		expect(await alice.client.mutate(transfer)).toMatchObject(ok);
		const v = await freshView(alice.cookie);
		expect(v.org!.primaryAdminId).toBe(bob.user.id);
		expect(v.members[bob.user.id]).toMatchObject({ role: 'ORG_OWNER', emailVerified: true });
	});
});
