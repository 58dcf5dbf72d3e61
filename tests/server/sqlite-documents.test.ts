import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDocuments } from '../../sync-server/storage/sqlite-documents.ts';
import { Store } from '../../sync-server/store.ts';
import { documentStoreContract } from './storage-contract.ts';

documentStoreContract('SQLite', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'roster-documents-'));
	// The activity feed names users from the accounts' table, in the same file.
	const accounts = new Store(dir);
	return {
		store: new SqliteDocuments(accounts.db),
		close() {
			accounts.close();
			rmSync(dir, { recursive: true, force: true });
		}
	};
});
