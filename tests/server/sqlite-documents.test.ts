import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../sync-server/storage/sqlite.ts';
import { documentStoreContract } from './storage-contract.ts';

documentStoreContract('SQLite', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'roster-documents-'));
	// The activity feed names users from the accounts' table, in the same file.
	const sqlite = openSqlite(dir);
	return {
		store: sqlite.documents,
		close() {
			sqlite.close();
			rmSync(dir, { recursive: true, force: true });
		}
	};
});
