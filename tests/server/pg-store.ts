import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { openPostgres, type PostgresStore } from '../../sync-server/storage/postgres/postgres.ts';
import { freshDatabase } from './postgres-cluster.ts';

/**
 * A fresh PostgreSQL store (a schema of its own in the run's cluster, a data directory for its
 * key file) and a way to open more stores on it, as further servers would; `close` closes them all.
 */
export async function freshPostgres(url?: string) {
	const storeUrl = url ?? (await freshDatabase(inject('postgresUrl')));
	const dataDir = mkdtempSync(join(tmpdir(), 'roster-pg-data-'));
	const opened: PostgresStore[] = [];
	const open = async () => {
		const store = await openPostgres(storeUrl, dataDir);
		opened.push(store);
		return store;
	};
	return {
		url: storeUrl,
		dataDir,
		first: await open(),
		open,
		async close() {
			await Promise.all(opened.map((s) => s.close()));
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}
