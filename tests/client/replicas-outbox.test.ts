import { afterEach, describe, expect, it } from 'vitest';
import { orgMaps } from '../../src/lib/domain/index.ts';
import { ClientFixture, DOC, ORG_ID, id } from './fixtures.ts';

let fx: ClientFixture;
afterEach(async () => {
	await fx.db.delete();
});

describe('Replicas', () => {
	it('keeps what the server sends and loads it back in a new tab, each document merged into one row', async () => {
		fx = new ClientFixture([{ username: 'ann', role: 'ORG_OWNER' }]);
		const seen: string[] = [];
		fx.replicas.listen((docId) => seen.push(docId));
		await fx.sync();
		fx.serverApplies({ kind: 'member.put', member: fx.member('bob') });
		await fx.sync();
		expect(seen).toEqual([DOC, DOC]);
		expect(await fx.db.updates.count()).toBe(2);

		await fx.reload();
		expect(fx.replicas.get(ORG_ID)?.state.member(id('bob'))?.username).toBe('bob');
		expect(await fx.db.updates.count()).toBe(1);
	});

	it('ignores an empty sync answer and forgets a dropped organization, here and in IndexedDB', async () => {
		fx = new ClientFixture([{ username: 'ann', role: 'ORG_OWNER' }]);
		await fx.sync();
		expect(await fx.replicas.applyRemote(DOC, new Uint8Array([0, 0]))).toBe(false);
		await fx.replicas.drop(DOC);
		expect(fx.replicas.get(ORG_ID)).toBeUndefined();
		expect(await fx.db.updates.count()).toBe(0);
		await fx.reload();
		expect(fx.replicas.all()).toEqual([]);
	});

	it('never writes into a document: the client only applies what the server sent', async () => {
		fx = new ClientFixture([{ username: 'ann', role: 'ORG_OWNER' }]);
		await fx.sync();
		const { members } = orgMaps(fx.replicas.get(ORG_ID)!.doc);
		expect([...members.keys()]).toEqual([id('ann')]);
	});
});

describe('Outbox', () => {
	const setRole = { type: 'member.setRole', orgId: ORG_ID, userId: 'u-bob', role: 'ORG_OWNER' } as const;

	it('queues in order, keeps a refusal with its reason, and clears on removal', async () => {
		fx = new ClientFixture([{ username: 'ann', role: 'ORG_OWNER' }]);
		let changes = 0;
		fx.outbox.listen(() => changes++);
		const first = await fx.outbox.add(setRole);
		const second = await fx.outbox.add({ ...setRole, role: 'ORG_READ_ONLY' });
		expect(fx.outbox.entries.map((e) => e.id)).toEqual([first.id, second.id]);
		expect(second.seq).toBeGreaterThan(first.seq);
		expect(fx.outbox.pendingCount).toBe(2);

		await fx.outbox.refuse(first.id, 'FORBIDDEN', 'Not allowed');
		expect(fx.outbox.find(first.id)).toMatchObject({ status: 'refused', code: 'FORBIDDEN', message: 'Not allowed' });
		expect(fx.outbox.pendingCount).toBe(1);
		// An accepting verdict clears the entry.
		await fx.outbox.remove(second.id);
		expect(fx.outbox.pending()).toEqual([]);
		expect(changes).toBe(4);
	});

	it('survives a reload of the database, order and verdicts included, and numbers new entries after the last', async () => {
		fx = new ClientFixture([{ username: 'ann', role: 'ORG_OWNER' }]);
		const a = await fx.outbox.add(setRole);
		const b = await fx.outbox.add({ ...setRole, role: 'ORG_READ_ONLY' });
		await fx.outbox.refuse(a.id, 'FORBIDDEN', 'Not allowed');
		await fx.reload();
		expect(fx.outbox.entries.map((e) => [e.id, e.status])).toEqual([
			[a.id, 'refused'],
			[b.id, 'pending']
		]);
		const c = await fx.outbox.add(setRole);
		expect(c.seq).toBe(b.seq + 1);
	});

	it('keeps an input that did not parse as refused at once, never pending', async () => {
		fx = new ClientFixture([{ username: 'ann', role: 'ORG_OWNER' }]);
		const entry = await fx.outbox.add(setRole, { code: 'INVALID_MUTATION', message: 'Bad input' });
		expect(entry.status).toBe('refused');
		expect(fx.outbox.pendingCount).toBe(0);
	});
});
