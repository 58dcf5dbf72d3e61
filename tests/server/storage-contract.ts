import { describe, expect, it } from 'vitest';
import { emptyBatch, type DocumentStore, type StoreBatch } from '../../sync-server/storage/documents.ts';
import { expiryDueContract } from './storage-due-contract.ts';
import { orgLogContract, type DocumentsUnderTest } from './storage-log-contract.ts';

/**
 * What every documents store must do, whatever holds the data: a test file per implementation
 * calls this with a way to make a fresh, empty store (and to drop it afterwards).
 */
export function documentStoreContract(name: string, open: () => Promise<DocumentsUnderTest>) {
	orgLogContract(name, open);
	expiryDueContract(name, open);
	const withStore = (test: (store: DocumentStore) => Promise<void>) => async () => {
		const opened = await open();
		try {
			await test(opened.store);
		} finally {
			await opened.close();
		}
	};
	const batch = (parts: Partial<StoreBatch>): StoreBatch => ({ ...emptyBatch(), ...parts });
	const bytes = (...b: number[]) => new Uint8Array(b);
	const record = (userId: string, id: string, ok: boolean, orgId: string | null = 'acme', at = 1) => ({
		userId,
		id,
		orgId,
		type: 'team.create',
		body: JSON.stringify({ type: 'team.create', orgId, teamId: `t-${id}` }),
		ok,
		code: ok ? null : 'FORBIDDEN',
		message: ok ? null : 'No.',
		names: ok ? JSON.stringify({ actor: userId, team: { [`t-${id}`]: `Team ${id}` } }) : null,
		at
	});

	describe(`documents store contract: ${name}`, () => {
		it(
			'appends updates in order and returns their sequence numbers, rising',
			withStore(async (store) => {
				const seqs = await store.commit(
					batch({
						updates: [
							{ orgId: 'a', docId: 'org:a', data: bytes(1) },
							{ orgId: 'a', docId: 'project:a/x', data: bytes(2) }
						]
					})
				);
				const [more] = await store.commit(batch({ updates: [{ orgId: 'a', docId: 'org:a', data: bytes(3) }] }));
				expect(seqs).toHaveLength(2);
				expect(seqs[1]!).toBeGreaterThan(seqs[0]!);
				expect(more!).toBeGreaterThan(seqs[1]!);
				const rows = await store.docUpdates('org:a');
				expect(rows.map((r) => [r.seq, [...r.data]])).toEqual([
					[seqs[0], [1]],
					[more, [3]]
				]);
				expect(await store.docUpdates('org:none')).toEqual([]);
			})
		);

		it(
			'compacts a log: rows up to the given sequence number give way to one',
			withStore(async (store) => {
				const [a, b] = await store.commit(
					batch({
						updates: [
							{ orgId: 'a', docId: 'org:a', data: bytes(1) },
							{ orgId: 'a', docId: 'org:a', data: bytes(2) },
							{ orgId: 'a', docId: 'project:a/x', data: bytes(3) }
						]
					})
				);
				const [c] = await store.commit(batch({ updates: [{ orgId: 'a', docId: 'org:a', data: bytes(9), compactUpTo: b! }] }));
				expect(a).toBeLessThan(b!);
				expect((await store.docUpdates('org:a')).map((r) => [r.seq, [...r.data]])).toEqual([[c, [9]]]);
				// Another document of the organization keeps its rows, and the organization's log holds the compacted state.
				expect((await store.docUpdates('project:a/x')).map((r) => [...r.data])).toEqual([[3]]);
				expect((await store.orgLog('a', 0)).updates.map((u) => [u.docId, [...u.data]])).toEqual([
					['project:a/x', [3]],
					['org:a', [9]]
				]);
			})
		);

		it(
			'lists documents by prefix',
			withStore(async (store) => {
				await store.commit(
					batch({
						updates: ['project:a/x', 'project:a/y', 'project:ab/z', 'org:a'].map((docId) => ({ orgId: 'a', docId, data: bytes(0) }))
					})
				);
				expect((await store.docIdsWithPrefix('project:a/')).sort()).toEqual(['project:a/x', 'project:a/y']);
				expect(await store.docIdsWithPrefix('billing:')).toEqual([]);
			})
		);

		it(
			'keeps the first verdict of each (user, mutation id)',
			withStore(async (store) => {
				await store.commit(batch({ mutations: [record('u1', 'm1', true), record('u1', 'm2', false), record('u2', 'm1', false)] }));
				expect(await store.mutation('u1', 'm1')).toEqual({ ok: true });
				expect(await store.mutation('u1', 'm2')).toEqual({ ok: false, code: 'FORBIDDEN', message: 'No.' });
				expect(await store.mutation('u2', 'm1')).toEqual({ ok: false, code: 'FORBIDDEN', message: 'No.' });
				expect(await store.mutation('u3', 'm1')).toBeUndefined();
			})
		);

		it(
			'writes a batch whole or not at all',
			withStore(async (store) => {
				await store.commit(batch({ mutations: [record('u1', 'm1', true)] }));
				const again = batch({ updates: [{ orgId: 'a', docId: 'org:a', data: bytes(1) }], mutations: [record('u1', 'm1', true)] });
				await expect(store.commit(again)).rejects.toThrow();
				expect(await store.docUpdates('org:a')).toEqual([]);
				expect(await store.orgLog('a', 0)).toEqual({ head: 0, updates: [], changes: [] });
			})
		);

		it(
			'pages an organization’s activity newest first, filtered by what entries name',
			withStore(async (store) => {
				await store.commit(
					batch({
						mutations: [record('u1', 'a', true), record('u2', 'b', false), record('u1', 'c', true, 'other'), record('u1', 'd', true, null)]
					})
				);
				const all = await store.activity('acme', { limit: 10 });
				expect(all.map((r) => [r.user_id, r.type, r.ok, r.code])).toEqual([
					['u2', 'team.create', 0, 'FORBIDDEN'],
					['u1', 'team.create', 1, null]
				]);
				expect(all[0]!.username).toBeNull();
				// The names an entry mentioned as they were then come back as they were written; none for an entry without.
				expect(all.map((r) => r.names)).toEqual([null, JSON.stringify({ actor: 'u1', team: { 't-a': 'Team a' } })]);
				expect((await store.activity('acme', { limit: 1 })).map((r) => r.user_id)).toEqual(['u2']);
				expect((await store.activity('acme', { limit: 10, before: all[0]!.seq })).map((r) => r.user_id)).toEqual(['u1']);
				expect((await store.activity('acme', { limit: 10, user: { id: 'u1', username: 'ann' } })).map((r) => r.user_id)).toEqual(['u1']);
				expect((await store.activity('acme', { limit: 10, kind: 'team' })).length).toBe(2);
				expect((await store.activity('acme', { limit: 10, kind: 'member' })).length).toBe(0);
				expect((await store.activity('acme', { limit: 10, teamId: 't-b' })).map((r) => r.user_id)).toEqual(['u2']);
			})
		);

		it(
			'keeps memberships, and forgets a deleted user’s',
			withStore(async (store) => {
				await store.commit(
					batch({
						memberships: [
							{ userId: 'u1', docId: 'org:a', member: true },
							{ userId: 'u1', docId: 'org:b', member: true },
							{ userId: 'u1', docId: 'org:a', member: true }
						]
					})
				);
				expect((await store.docsOf('u1')).sort()).toEqual(['org:a', 'org:b']);
				await store.commit(batch({ memberships: [{ userId: 'u1', docId: 'org:b', member: false }] }));
				expect(await store.docsOf('u1')).toEqual(['org:a']);
				await store.forgetUser('u1');
				expect(await store.docsOf('u1')).toEqual([]);
			})
		);

		it(
			'indexes pending invitations by address, in any case',
			withStore(async (store) => {
				await store.commit(
					batch({
						invitations: [
							{ orgId: 'a', projectId: '', inviteId: 'i1', email: 'Bob@Example.com' },
							{ orgId: 'a', projectId: 'p', inviteId: 'i2', email: 'bob@example.com' }
						]
					})
				);
				expect((await store.invitationsFor(' BOB@example.COM ')).map((r) => [r.org_id, r.project_id, r.invite_id]).sort()).toEqual([
					['a', '', 'i1'],
					['a', 'p', 'i2']
				]);
				await store.commit(batch({ invitations: [{ orgId: 'a', projectId: '', inviteId: 'i1' }] }));
				expect((await store.invitationsFor('bob@example.com')).map((r) => r.invite_id)).toEqual(['i2']);
			})
		);

		it(
			'keeps one webhook per organization, and deletes it',
			withStore(async (store) => {
				await store.commit(batch({ webhooks: [{ orgId: 'a', url: 'https://hooks.example/1' }] }));
				await store.commit(batch({ webhooks: [{ orgId: 'a', url: 'https://hooks.example/2' }] }));
				expect(await store.webhook('a')).toBe('https://hooks.example/2');
				await store.commit(batch({ webhooks: [{ orgId: 'a', url: null }] }));
				expect(await store.webhook('a')).toBeUndefined();
			})
		);

		it(
			"keeps each organization's latest webhook delivery, shown only while that webhook is the one set",
			withStore(async (store) => {
				expect(await store.lastDelivery('a')).toBeUndefined();
				await store.commit(batch({ webhooks: [{ orgId: 'a', url: 'https://hooks.example/1' }] }));
				await store.recordDelivery('a', 'https://hooks.example/1', { at: 1_700_000_000_000, status: 500, error: null });
				await store.recordDelivery('a', 'https://hooks.example/1', { at: 1_700_000_000_001, status: null, error: 'connection refused' });
				expect(await store.lastDelivery('a')).toEqual({ at: 1_700_000_000_001, status: null, error: 'connection refused' });
				// A delivery to the webhook before it was replaced says nothing of the new one.
				await store.commit(batch({ webhooks: [{ orgId: 'a', url: 'https://hooks.example/2' }] }));
				expect(await store.lastDelivery('a')).toBeUndefined();
				await store.recordDelivery('a', 'https://hooks.example/2', { at: 1_700_000_000_002, status: 204, error: null });
				expect(await store.lastDelivery('a')).toEqual({ at: 1_700_000_000_002, status: 204, error: null });
				expect(await store.lastDelivery('b')).toBeUndefined();
			})
		);
	});
}
