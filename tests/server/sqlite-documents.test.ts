import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { emptyBatch } from '../../sync-server/storage/documents.ts';
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

describe('an SQLite store made before the history kept times', () => {
	it('gains the column in place: its logged changes stay, without a time, and new ones have theirs', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'roster-documents-'));
		try {
			const old = new Database(join(dir, 'roster.sqlite'));
			old.exec(
				'create table org_changes (org_id text not null, seq integer not null, body text not null, primary key (org_id, seq)) without rowid'
			);
			old.exec('create table doc_updates (seq integer primary key autoincrement, doc_id text not null, data blob not null, org_id text)');
			old.prepare('insert into doc_updates (doc_id, data, org_id) values (?, ?, ?)').run('org:a', Buffer.from([0]), 'a');
			old.prepare('insert into org_changes values (?, ?, ?)').run('a', 1, JSON.stringify([{ type: 'org.create', changes: [] }]));
			old.close();
			const sqlite = openSqlite(dir);
			try {
				await sqlite.documents.commit({
					...emptyBatch(),
					updates: [{ orgId: 'a', docId: 'org:a', data: new Uint8Array([1]) }],
					changes: [{ orgId: 'a', at: 5000, entries: [{ type: 'team.create', changes: [], by: 'u1', id: 'm1' }] }]
				});
				const history = await sqlite.documents.history('a', 0, 10);
				expect(history).toEqual([
					{ seq: 1, entries: [{ type: 'org.create', changes: [] }] },
					{ seq: expect.any(Number), at: 5000, entries: [{ type: 'team.create', changes: [], by: 'u1', id: 'm1' }] }
				]);
			} finally {
				sqlite.close();
			}
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
