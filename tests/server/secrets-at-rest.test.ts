import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword, scryptCost } from '../../sync-server/auth.ts';
import { openSqlite } from '../../sync-server/storage/sqlite.ts';
import { recoveryHash } from '../../sync-server/two-factor.ts';
import { enrol, totpCode } from './enrol.ts';
import { atRest, row, rows, sqliteFiles } from './store-sql.ts';
import { PASSWORD, TEST_PASSWORD_COST, TestServer, post } from './test-client.ts';
import { testStore } from './test-store.ts';

const NOW = Date.UTC(2026, 10, 23, 12);
let t: TestServer;
let now = NOW;
const dirs: string[] = [];
beforeEach(() => {
	now = NOW;
	t = new TestServer({ now: () => now });
});
afterEach(async () => {
	await t.stop();
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const tempDir = () => {
	const dir = mkdtempSync(join(tmpdir(), 'roster-key-'));
	dirs.push(dir);
	return dir;
};
const signIn = (username: string, code: string) => post(t.base, '/api/signin', { username, password: PASSWORD, code });
/** Copies and upgrades of the store's files are SQLite's: a PostgreSQL database is backed up and migrated by its own means. */
const sqliteOnly = it.skipIf(testStore() === 'postgres');
/** A copy of the store's files (the server stopped), with or without the key file. */
function copyStore(withKey: boolean) {
	const copy = tempDir();
	for (const f of readdirSync(t.dataDir)) {
		if (f.startsWith('roster.sqlite') || (withKey && f === 'secret.key')) copyFileSync(join(t.dataDir, f), join(copy, f));
	}
	return copy;
}

describe('two-factor secrets at rest', () => {
	it('creates a key file of 32 bytes, readable by its owner only, beside the store on first start', async () => {
		await t.start();
		const key = join(t.dataDir, 'secret.key');
		expect(statSync(key).size).toBe(32);
		expect(statSync(key).mode & 0o777).toBe(0o600);
		const bytes = readFileSync(key);
		await t.restart();
		expect(readFileSync(key).equals(bytes)).toBe(true);
	});

	it('keeps no TOTP secret, pending or on, and no recovery code in the store files', async () => {
		await t.start();
		const alice = await t.user('alice');
		const { secret, recoveryCodes } = await enrol(t.base, alice.cookie, now);
		// A pending enrolment (another user's) is sealed too.
		const bob = await t.user('bob');
		const pending = ((await (await post(t.base, '/api/me/two-factor/setup', {}, { cookie: bob.cookie })).json()) as { secret: string })
			.secret;
		const stored = await atRest(t.dataDir, t.server);
		// The search sees the store: the users are there, their secrets are not.
		expect(stored.some((text) => text.includes('alice'))).toBe(true);
		for (const text of stored) {
			for (const s of [secret, pending, ...recoveryCodes]) expect(text.includes(s)).toBe(false);
		}
		const sealed = await row(t.server, 'select totp_secret from users where username = ?', 'alice');
		expect(sealed?.totp_secret).toMatch(/^v1\$[\w-]+$/);
	});

	sqliteOnly('a copy of the store does not start without its own key file; with it, it is a whole backup', async () => {
		await t.start();
		const alice = await t.user('alice');
		const { secret } = await enrol(t.base, alice.cookie, now);
		await t.server.close();
		const bare = copyStore(false);
		expect(() => openSqlite(bare)).toThrow(/secret\.key is missing.*restore the key file/);
		expect(readdirSync(bare)).not.toContain('secret.key');
		writeFileSync(join(bare, 'secret.key'), Buffer.alloc(32, 7), { mode: 0o600 });
		expect(() => openSqlite(bare)).toThrow(/does not open this store's two-factor secrets/);
		const backup = openSqlite(copyStore(true));
		expect(backup.accounts.twoFactor(alice.user.id)?.secret).toBe(secret);
		backup.close();
		await t.start();
	});

	sqliteOnly('seals the plaintext secrets and keys the code hashes of an older store on start, and they keep signing in', async () => {
		const dir = t.dataDir;
		const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
		const codes = ['k7m2p-x9qr4', 'abcde-fghjk'];
		// The store as the code before sealing wrote it: the secret in the clear, codes as plain SHA-256 digests.
		const old = new Database(join(dir, 'roster.sqlite'));
		old.pragma('journal_mode = WAL');
		old.exec(`create table users (id text primary key, username text not null unique collate nocase, email text not null,
			email_verified integer not null default 0, display_name text not null default '', password_hash text not null,
			created_at integer not null, totp_secret text, totp_pending text, totp_last_step integer);
			create table recovery_codes (user_id text not null references users(id) on delete cascade, code_hash text not null,
			primary key (user_id, code_hash)) without rowid;`);
		old
			.prepare('insert into users values (?, ?, ?, 1, ?, ?, 0, ?, ?, null)')
			.run('u1', 'olga', 'olga@example.com', '', await hashPassword(PASSWORD, scryptCost(TEST_PASSWORD_COST)), secret, secret);
		for (const c of codes) old.prepare('insert into recovery_codes values (?, ?)').run('u1', recoveryHash(c));
		old.close();
		expect(sqliteFiles(dir).some((text) => text.includes(secret))).toBe(true);

		await t.start();
		const sealed = await row(t.server, 'select totp_secret, totp_pending from users where id = ?', 'u1');
		expect(sealed?.totp_secret).toMatch(/^v1\$/);
		expect(sealed?.totp_pending).toMatch(/^v1\$/);
		const hashes = await rows(t.server, 'select code_hash from recovery_codes');
		expect(hashes.map((h) => String(h.code_hash)).filter((h) => !h.startsWith('v1$'))).toEqual([]);
		for (const text of sqliteFiles(dir)) {
			expect(text.includes(secret)).toBe(false);
			for (const c of codes) expect(text.includes(recoveryHash(c))).toBe(false);
		}

		expect((await signIn('olga', totpCode(secret, now))).status).toBe(200);
		expect((await signIn('olga', codes[1]!.toUpperCase())).status).toBe(200);
		expect(await (await signIn('olga', codes[1]!)).json()).toMatchObject({ code: 'BAD_CODE' });
		// Started again, nothing is sealed twice.
		await t.restart();
		now += 30_000;
		expect((await signIn('olga', totpCode(secret, now))).status).toBe(200);
		expect((await signIn('olga', codes[0]!)).status).toBe(200);
	});
});
