import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Opens (or makes) the store's one SQLite file under the data directory. Writes are durable (synchronous=FULL) on commit. */
export function openDatabase(dataDir: string): Database.Database {
	mkdirSync(dataDir, { recursive: true });
	const db = new Database(join(dataDir, 'roster.sqlite'));
	db.pragma('journal_mode = WAL');
	db.pragma('synchronous = FULL');
	db.pragma('foreign_keys = ON');
	db.pragma('busy_timeout = 5000');
	// Deleted rows (spent recovery codes, turned-off secrets) are zeroed where that costs no extra writes.
	db.pragma('secure_delete = FAST');
	return db;
}
