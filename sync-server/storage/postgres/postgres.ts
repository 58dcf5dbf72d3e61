import type pg from 'pg';
import type { AccountStore } from '../accounts.ts';
import { migrate } from './migrate.ts';
import { PgAccounts } from './pg-accounts.ts';
import { PgDocuments } from './pg-documents.ts';
import { openPool } from './pool.ts';

export interface PostgresStore {
	accounts: AccountStore;
	documents: PgDocuments;
	pool: pg.Pool;
	close(): Promise<void>;
}

/**
 * The shared store: every family in the PostgreSQL database at `url` (its schema brought up to
 * date first). `dataDir` holds the key file that seals two-factor secrets, the same file on
 * every server of the database. An unreachable database, a foreign or newer schema, or a key
 * from another store is a StoreOpenError (or an Error) whose message is one sentence.
 */
export async function openPostgres(url: string, dataDir: string): Promise<PostgresStore> {
	const pool = await openPool(url);
	try {
		await migrate(pool, url);
		const accounts = await PgAccounts.open(pool, dataDir);
		const documents = new PgDocuments(pool, url);
		return {
			accounts,
			documents,
			pool,
			async close() {
				documents.close();
				await pool.end();
			}
		};
	} catch (err) {
		await pool.end().catch(() => undefined);
		throw err;
	}
}
