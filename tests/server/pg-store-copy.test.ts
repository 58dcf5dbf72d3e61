import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import * as Y from 'yjs';
import { orgDocId, projectDocId } from '$lib/protocol/messages.ts';
import { storeCopy, StoreCopyError } from '../../sync-server/store-copy/copy.ts';
import type { LoggedChanges } from '../../sync-server/storage/documents.ts';
import { enrol, totpCode } from './enrol.ts';
import { orgWith } from './fixtures.ts';
import { freshDatabase } from './postgres-cluster.ts';
import { PASSWORD, TestServer, cookieOf, post } from './test-client.ts';

const run = promisify(execFile);
const ok = { t: 'verdict', ok: true };
const DAY = 86_400_000;

let now: number;
let source: TestServer;
let url: string;

beforeEach(async () => {
	now = Date.UTC(2026, 10, 23, 12, 0, 0);
	// The embedded store, whatever store this project gives other tests' servers.
	source = await new TestServer({ now: () => now, privateWebhooks: true }, {}).start();
	url = await freshDatabase(inject('postgresUrl'));
});
afterEach(() => source.stop());

/** Stops the SQLite server, keeping its data directory for the copy. */
async function stopSource() {
	for (const c of source.clients) c.close();
	await source.server.close();
}

/** A server on the PostgreSQL copy, with the data directory the copy put the key file in. */
const onCopy = () => new TestServer({ now: () => now }, { databaseUrl: url });

/** Every page of an organization's activity feed, `limit` entries a page, following `before`. */
async function feed(t: TestServer, cookie: string, limit = 3) {
	const pages: unknown[] = [];
	let before: number | undefined;
	for (;;) {
		const res = await fetch(`${t.base}/api/activity?org=acme&limit=${limit}${before ? `&before=${before}` : ''}`, { headers: { cookie } });
		const page = (await res.json()) as { entries: { seq: number }[]; more: boolean };
		pages.push(page);
		if (!page.more) return pages;
		before = page.entries.at(-1)!.seq;
	}
}

const signIn = (t: TestServer, username: string, extra: Record<string, string> = {}) =>
	post(t.base, '/api/signin', { username, password: PASSWORD, ...extra });

/** A document as a synced client holds it: its state vector and whole state. */
const state = (doc: Y.Doc) => [Y.encodeStateVector(doc), Y.encodeStateAsUpdate(doc)];

describe('store:copy (an embedded store moved into PostgreSQL)', () => {
	it('copies accounts, sessions, documents and activity: the copy serves everyone as before, and the report says all equal', async () => {
		const { alice, bob, carol } = await orgWith<'alice', 'bob' | 'carol'>(source, {
			verified: true,
			members: { bob: 'ORG_MEMBER', carol: 'ORG_READ_ONLY' },
			teams: [{ id: 't-ops', members: ['bob'] }],
			projects: [{ id: 'apollo', users: { bob: ['PROJECT_READ_ONLY'] } }]
		});
		const { secret, recoveryCodes } = await enrol(source.base, carol.cookie, now);
		const invite = { type: 'member.invite', orgId: 'acme', inviteId: 'inv-dora-1', email: 'dora@example.com', role: 'ORG_MEMBER' };
		expect(await alice.client.mutate(invite)).toMatchObject(ok);
		const hook = { type: 'org.setNotifications', orgId: 'acme', email: 'alerts@acme.test', webhook: 'http://192.0.2.1:9/hook' };
		expect(await alice.client.mutate(hook)).toMatchObject(ok);
		// Refused mutations are in the feed too.
		expect(await bob.client.mutate({ type: 'team.create', orgId: 'acme', teamId: 't-no', name: 'No' })).toMatchObject({ ok: false });
		expect(await bob.client.mutate({ type: 'project.create', orgId: 'acme', projectId: 'p-no', name: 'No' })).toMatchObject({ ok: false });
		// An expiry set before the copy: the first server on the copy finds it due (its moment is worked out there).
		const expiring = { kind: 'team', teamId: 't-ops', userId: bob.user.id };
		expect(
			await alice.client.mutate({ type: 'access.setExpiry', orgId: 'acme', target: expiring, expiry: { at: now + 30 * DAY } })
		).toMatchObject(ok);
		const docs = [orgDocId('acme'), projectDocId('acme', 'apollo')];
		const before = { feed: await feed(source, alice.cookie), docs: docs.map((d) => state(alice.client.doc(d))) };
		// The history keeps its order, times, senders and ids (renumbered 1..n, as the updates are).
		const unnumbered = (log: LoggedChanges[]) => log.map(({ seq: _, ...rest }) => rest);
		const history = unnumbered(await source.server.documents.history('acme', 0, 10_000));
		expect(history.length).toBeGreaterThan(5);

		// A running server's store is not copied.
		await expect(storeCopy({ from: source.dataDir, to: url })).rejects.toThrow(/in use by a running server/);
		await stopSource();

		const target = onCopy();
		const result = await storeCopy({ from: source.dataDir, to: url, keyDir: target.dataDir });
		expect(result.equal).toBe(true);
		expect(result.key).toMatch(/^Copied .*secret\.key to /);
		const counts = Object.fromEntries(result.tables.map((t) => [t.table, t.target.rows]));
		expect(counts).toMatchObject({ users: 3, recovery_codes: 10, invitations: 1, org_webhooks: 1 });
		expect(counts.mutations).toBeGreaterThanOrEqual(before.feed.flatMap((p) => (p as { entries: unknown[] }).entries).length);
		expect(result.orgs.map((o) => o.orgId)).toContain('acme');

		// The command line compares the copy and says so by its exit code.
		const cli = await run('node', ['--import', 'tsx', 'sync-server/store-copy.ts', '--from', source.dataDir, '--to', url, '--verify']);
		expect(cli.stdout).toMatch(/^users +3 +3 /m);
		expect(cli.stdout).toContain('Every table and every organization’s documents are equal on both sides.');

		await target.start();
		try {
			// Sessions made before the copy still hold; the documents and the feed are as they were.
			const aliceAgain = await target.connect(alice.cookie);
			for (const d of docs) await aliceAgain.sync(d);
			expect(docs.map((d) => state(aliceAgain.doc(d)))).toEqual(before.docs);
			expect(await feed(target, alice.cookie)).toEqual(before.feed);
			expect((await target.server.hub.orgState('acme'))?.org()?.name).toBe('Acme');
			expect(unnumbered(await target.server.documents.history('acme', 0, 10_000))).toEqual(history);
			await target.server.expiry.run();
			expect(await target.server.documents.expiryDueBy(now + 23 * DAY)).toEqual(['acme']);

			// Passwords, TOTP codes and recovery codes sign in as before (the same key file).
			expect((await signIn(target, 'bob')).status).toBe(200);
			expect(await (await signIn(target, 'carol')).json()).toMatchObject({ code: 'CODE_REQUIRED' });
			now += 30_000;
			expect((await signIn(target, 'carol', { code: totpCode(secret, now) })).status).toBe(200);
			const recovered = await signIn(target, 'carol', { code: recoveryCodes[0]! });
			expect(recovered.status).toBe(200);
			const me = await fetch(`${target.base}/api/me`, { headers: { cookie: cookieOf(recovered) } });
			expect(await me.json()).toMatchObject({ recoveryCodesLeft: 9 });

			// New activity is numbered after the copied.
			const seq = (before.feed[0] as { entries: { seq: number }[] }).entries[0]!.seq;
			expect(await aliceAgain.mutate({ type: 'team.create', orgId: 'acme', teamId: 't-new', name: 'New' })).toMatchObject(ok);
			const latest = (await feed(target, alice.cookie, 1))[0] as { entries: { seq: number; type: string }[] };
			expect(latest.entries[0]).toMatchObject({ type: 'team.create' });
			expect(latest.entries[0]!.seq).toBeGreaterThan(seq);
		} finally {
			await target.stop();
		}
	});

	it('refuses a target that holds a store already, and reports a copy that differs', async () => {
		await orgWith(source, { members: { bob: 'ORG_MEMBER' } });
		await stopSource();
		expect((await storeCopy({ from: source.dataDir, to: url })).equal).toBe(true);

		const again = storeCopy({ from: source.dataDir, to: url });
		await expect(again).rejects.toBeInstanceOf(StoreCopyError);
		await expect(again).rejects.toThrow(/^The database at .* already holds a Roster store: copy into an empty database only\.$/);
		const cli = run('node', ['--import', 'tsx', 'sync-server/store-copy.ts', '--from', source.dataDir, '--to', url]);
		await expect(cli).rejects.toMatchObject({
			code: 1,
			stderr: expect.stringMatching(/^store:copy: The database at .* already holds a Roster store/)
		});

		const pg = await (await import('../../sync-server/storage/postgres/pool.ts')).openPool(url, 1);
		try {
			await pg.query(`update users set display_name = 'changed' where username = 'bob'`);
		} finally {
			await pg.end();
		}
		const verified = await storeCopy({ from: source.dataDir, to: url, verify: true });
		expect(verified.equal).toBe(false);
		expect(verified.tables.filter((t) => t.source.hash !== t.target.hash).map((t) => t.table)).toEqual(['users']);
		const differs = run('node', ['--import', 'tsx', 'sync-server/store-copy.ts', '--from', source.dataDir, '--to', url, '--verify']);
		await expect(differs).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/^users .* DIFFERS$/m) });
	});
});
