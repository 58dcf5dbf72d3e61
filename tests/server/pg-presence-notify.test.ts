import { expect, it, vi } from 'vitest';
import pg from 'pg';
import { decodeSyncFrame, PRESENCE } from '$lib/protocol/frames.ts';
import { orgDocId } from '$lib/protocol/messages.ts';
import { decodeAwarenessUpdate, encodeAwarenessUpdate } from '$lib/protocol/awareness.ts';
import { TestServer } from './test-client.ts';
import { orgWith } from './fixtures.ts';
import { freshStore } from './test-store.ts';

it('presence passed between servers over NOTIFY names only members who may read the document, as the organization names them', async () => {
	const store = await freshStore();
	const server = new TestServer({}, store);
	await server.start();
	try {
		await (server.server.documents as unknown as { watching(): Promise<void> }).watching();
		const { alice, bob } = await orgWith(server, { members: { bob: 'ORG_OWNER' } });
		const states: unknown[] = [];
		bob.client.ws.on('message', (data, isBinary) => {
			if (!isBinary) return;
			const f = decodeSyncFrame(new Uint8Array(data as Buffer));
			if (f.kind === PRESENCE) states.push(...decodeAwarenessUpdate(f.payload).map((e) => e.state));
		});
		// Any role that may connect may NOTIFY: one with no privilege on any table.
		const admin = new pg.Client({ connectionString: store.databaseUrl });
		await admin.connect();
		await admin.query(`create role spy login password 'spy'`);
		await admin.end();
		const url = new URL(store.databaseUrl!);
		url.username = 'spy';
		url.password = 'spy';
		const spy = new pg.Client({ connectionString: url.toString() });
		await spy.connect();
		const notify = (clientId: number, state: unknown) =>
			spy.query(`select pg_notify('roster_presence', $1)`, [
				`other ${orgDocId('acme')} ${Buffer.from(encodeAwarenessUpdate([{ clientId, clock: 1, state }])).toString('base64')}`
			]);
		const claim = { view: 'members', editing: { what: 'memberRole', id: bob.user.id }, since: 0 };
		await notify(7, { ...claim, user: { id: 'not-a-member', name: 'Alice (your admin)', username: 'alice' } });
		// Then a real member, misnamed: one session's notifications arrive in order, so once this one is here the first was dropped.
		await notify(8, { ...claim, user: { id: alice.user.id, name: 'Your bank', username: 'bank' } });
		await spy.end();
		await vi.waitFor(() => expect(states).toHaveLength(1));
		expect(states[0]).toMatchObject({ user: { id: alice.user.id, username: 'alice' }, editing: claim.editing });
		expect(JSON.stringify(states)).not.toMatch(/bank|your admin/);
	} finally {
		await server.stop();
	}
});
