import { SqliteAccounts } from './sqlite-accounts.ts';
import { openDatabase } from './sqlite-db.ts';
import { SqliteDocuments } from './sqlite-documents.ts';

/** The embedded store: one SQLite file under the data directory holding every family. */
export function openSqlite(dataDir: string) {
	const db = openDatabase(dataDir);
	return { accounts: new SqliteAccounts(db, dataDir), documents: new SqliteDocuments(db), close: () => db.close() };
}
