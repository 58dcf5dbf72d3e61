import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asyncAccounts } from '../../sync-server/storage/accounts.ts';
import { SqliteAccounts } from '../../sync-server/storage/sqlite-accounts.ts';
import { accountsContract } from './accounts-contract.ts';

accountsContract('SQLite', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'roster-accounts-'));
	const db = new Database(join(dir, 'roster.sqlite'));
	db.pragma('foreign_keys = ON');
	return {
		accounts: asyncAccounts(new SqliteAccounts(db, dir)),
		async close() {
			db.close();
			rmSync(dir, { recursive: true, force: true });
		}
	};
});

describe('SQLite accounts on a store made by an older Roster', () => {
	it('adds the columns added since (two-factor, step-up, managed users) and keeps the rows', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'roster-accounts-old-'));
		const db = new Database(join(dir, 'roster.sqlite'));
		try {
			db.exec(`create table users (id text primary key, username text not null unique collate nocase, email text not null,
				email_verified integer not null default 0, display_name text not null default '', password_hash text not null, created_at integer not null);
				create table sessions (token_hash text primary key, user_id text not null references users(id) on delete cascade,
				created_at integer not null, last_seen_at integer not null);
				insert into users values ('u-old', 'old', 'old@example.com', 1, 'Old', 'hash', 1);
				insert into sessions values ('s-old', 'u-old', 1, 1);`);
			const accounts = asyncAccounts(new SqliteAccounts(db, dir));
			expect(await accounts.user('u-old')).toMatchObject({ username: 'old', twoFactor: false, emailVerified: true });
			expect(await accounts.session('s-old')).toMatchObject({ stepped_up_at: null });
			await accounts.stepUp('s-old', 5);
			expect(await accounts.session('s-old')).toMatchObject({ stepped_up_at: 5 });
			expect(
				await accounts.insertUser(
					{
						id: 'u-mia',
						username: 'mia',
						email: 'm@example.com',
						emailVerified: false,
						displayName: '',
						passwordHash: 'h',
						managedBy: 'acme'
					},
					2
				)
			).toBe(true);
			expect(await accounts.user('u-mia')).toMatchObject({ managedBy: 'acme' });
		} finally {
			db.close();
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
