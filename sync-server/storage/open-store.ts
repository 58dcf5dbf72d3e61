import type pg from 'pg';
import { memoryLimits, type Limits } from '../limits.ts';
import { asyncAccounts, type AccountStore } from './accounts.ts';
import type { DocumentStore } from './documents.ts';
import { pgLimits } from './postgres/pg-limits.ts';
import { openPostgres } from './postgres/postgres.ts';
import { describeUrl } from './postgres/pool.ts';
import type { SqliteAccounts } from './sqlite-accounts.ts';
import { openSqlite } from './sqlite.ts';

/** The store a server runs on, whichever it is, with what must be shared by every server on it (limits, job locks). */
export interface OpenStore {
	kind: 'sqlite' | 'postgres';
	accounts: AccountStore;
	documents: DocumentStore;
	limits: Limits;
	/** Whether other servers may commit to it too: then this one reads what they did now and then, in case a wake-up was lost. */
	shared: boolean;
	/** SQLite: the accounts' rows, answered at once. */
	sqlite?: SqliteAccounts;
	/** PostgreSQL: the pool. */
	pool?: pg.Pool;
	/** Where the data is, for the start-up line (never a password). */
	where: string;
	close(): Promise<void>;
}

/** SQLite in `dataDir` (the embedded default), or the PostgreSQL database at `databaseUrl`; `dataDir` then holds the key file. */
export async function openStore(dataDir: string, databaseUrl?: string): Promise<OpenStore> {
	if (databaseUrl) {
		const pg = await openPostgres(databaseUrl, dataDir);
		return {
			kind: 'postgres',
			accounts: pg.accounts,
			documents: pg.documents,
			limits: pgLimits(pg.pool),
			shared: true,
			pool: pg.pool,
			where: `PostgreSQL at ${describeUrl(databaseUrl)}`,
			close: () => pg.close()
		};
	}
	const sqlite = openSqlite(dataDir);
	return {
		kind: 'sqlite',
		accounts: asyncAccounts(sqlite.accounts),
		documents: sqlite.documents,
		limits: memoryLimits(),
		shared: false,
		sqlite: sqlite.accounts,
		where: sqlite.accounts.db.name,
		close: async () => {
			sqlite.close();
		}
	};
}
