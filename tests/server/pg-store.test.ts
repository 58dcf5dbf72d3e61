import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it, vi } from 'vitest';
import { emptyBatch, type DocumentStore } from '../../sync-server/storage/documents.ts';
import { migrations } from '../../sync-server/storage/postgres/migrate.ts';
import { StoreOpenError } from '../../sync-server/storage/postgres/pool.ts';
import { openPostgres } from '../../sync-server/storage/postgres/postgres.ts';
import { freshDatabase, startCluster } from './postgres-cluster.ts';
import { freshPostgres } from './pg-store.ts';

const commitTo = (store: DocumentStore, orgId: string) =>
	store.commit({ ...emptyBatch(), updates: [{ orgId, docId: `org:${orgId}`, data: new Uint8Array([1]) }] });

async function sql(url: string, text: string) {
	const client = new pg.Client(url);
	await client.connect();
	try {
		return (await client.query(text)).rows as Record<string, unknown>[];
	} finally {
		await client.end();
	}
}

/** Opening a store on `url` fails with this sentence. */
async function refusal(url: string) {
	const dir = mkdtempSync(join(tmpdir(), 'roster-pg-data-'));
	try {
		const err = await openPostgres(url, dir).then(
			async (store) => (await store.close(), undefined),
			(e: unknown) => e
		);
		expect(err).toBeInstanceOf(StoreOpenError);
		return (err as Error).message;
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

describe('PostgreSQL store: opening', () => {
	it('applies each migration once when several servers open a new database at once', async () => {
		const url = await freshDatabase(inject('postgresUrl'));
		const pg = await freshPostgres(url);
		try {
			await Promise.all([pg.open(), pg.open(), pg.open()]);
			const rows = await sql(url, 'select version from schema_migrations order by version');
			expect(rows.map((r) => r.version)).toEqual(migrations().map((m) => m.version));
		} finally {
			await pg.close();
		}
	});

	it('refuses a database migrated by a newer Roster, and one holding someone else’s tables', async () => {
		const newer = await freshDatabase(inject('postgresUrl'));
		const pg = await freshPostgres(newer);
		await pg.close();
		await sql(newer, "insert into schema_migrations (version, name) values (9999, 'from the future')");
		expect(await refusal(newer)).toMatch(/has schema version 9999, newer than this Roster knows \(\d+\)/);

		const foreign = await freshDatabase(inject('postgresUrl'));
		await sql(foreign, 'create table invoices (id int)');
		expect(await refusal(foreign)).toMatch(/already holds tables that are not Roster's/);
	});

	it('names an unreachable database, a missing one, and a malformed URL in one sentence', async () => {
		expect(await refusal('postgres://roster@127.0.0.1:1/roster')).toBe('Cannot reach PostgreSQL at 127.0.0.1:1/roster (ECONNREFUSED).');
		const missing = new URL(inject('postgresUrl'));
		missing.pathname = '/no_such_db';
		expect(await refusal(missing.toString())).toMatch(
			/^PostgreSQL at 127\.0\.0\.1:\d+\/no_such_db has no such database: .*"no_such_db".*\.$/
		);
		expect(await refusal('not a url')).toMatch(/^The database URL is malformed/);
		expect(await refusal('mysql://db.example/roster')).toBe('The database URL must start with postgres:// (it starts with mysql://).');
	});

	it('refuses a key file that does not open the store’s two-factor secrets', async () => {
		const pg = await freshPostgres();
		const otherDir = mkdtempSync(join(tmpdir(), 'roster-pg-data-'));
		try {
			const { accounts } = pg.first;
			await accounts.insertUser(
				{ id: 'u1', username: 'ann', email: 'a@example.com', emailVerified: true, displayName: '', twoFactor: false, passwordHash: 'h' },
				1
			);
			await accounts.setTotpPending('u1', 'SECRET');
			writeFileSync(join(otherDir, 'secret.key'), randomBytes(32), { mode: 0o600 });
			await expect(openPostgres(pg.url, otherDir)).rejects.toThrow(/does not open this store's two-factor secrets/);
			expect((await (await pg.open()).accounts.twoFactor('u1'))?.pending).toBe('SECRET');
		} finally {
			rmSync(otherDir, { recursive: true, force: true });
			await pg.close();
		}
	});
});

describe('PostgreSQL store: several servers', () => {
	it('wakes the other stores on the database with the organization committed to, never the committing one', async () => {
		const pg = await freshPostgres();
		try {
			const a = pg.first.documents;
			const b = (await pg.open()).documents;
			// Notifications reach every store on the cluster's database, other test files' commits too: only these two names count.
			const [x, y] = [randomUUID(), randomUUID()];
			const woken = { a: [] as string[], b: [] as string[] };
			const wake = (who: 'a' | 'b') =>
				new Promise<void>((resolve) =>
					({ a, b })[who].watch((org) => {
						if (org !== x && org !== y) return;
						woken[who].push(org);
						resolve();
					})
				);
			const aWoken = wake('a');
			const bWoken = wake('b');
			await Promise.all([a.watching(), b.watching()]);
			await commitTo(a, x);
			await bWoken;
			await commitTo(b, y);
			await aWoken;
			// a's connection got its own commit's notification before b's: had it not ignored it, x would come first.
			expect(woken).toEqual({ a: [y], b: [x] });
		} finally {
			await pg.close();
		}
	});

	it('works again after PostgreSQL restarts, without being reopened', async () => {
		vi.spyOn(console, 'error').mockImplementation(() => undefined);
		const cluster = await startCluster();
		const pg = await freshPostgres(await cluster.freshDatabase());
		try {
			const a = pg.first.documents;
			const b = (await pg.open()).documents;
			const woken: string[] = [];
			b.watch((org) => woken.push(org));
			await b.watching();
			const [before] = await commitTo(a, 'acme');
			await cluster.halt('fast');
			await cluster.start();
			const [after] = await commitTo(a, 'acme');
			expect(after).toBeGreaterThan(before!);
			expect((await b.orgLog('acme', before!)).head).toBe(after);
			const { accounts } = pg.first;
			await accounts.insertUser(
				{ id: 'u1', username: 'ann', email: 'a@example.com', emailVerified: true, displayName: '', twoFactor: false, passwordHash: 'h' },
				1
			);
			expect(await accounts.insertSession('s1', 'u1', 1)).toEqual([]);
			expect(await accounts.session('s1')).toMatchObject({ user_id: 'u1' });
			// The wake-up connection comes back by itself (after a short pause): a commit wakes b again.
			await vi.waitFor(
				async () => {
					await commitTo(a, 'acme');
					expect(woken).toContain('acme');
				},
				{ timeout: 15_000, interval: 200 }
			);
		} finally {
			await pg.close();
			await cluster.stop();
		}
	});
});
