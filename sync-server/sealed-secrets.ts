import type Database from 'better-sqlite3';
import { SecretKey } from './secret-key.ts';

const KEYED = `like 'v1$%'`;

/**
 * The store's secret key, checked against the store and applied to what an older store
 * kept in the clear, once, at start: plaintext TOTP secrets are sealed and unkeyed
 * recovery-code hashes keyed (HMAC over the same digest, so every code keeps working).
 * A store whose sealed secrets the key does not open is refused: starting anyway would
 * turn every two-factor user away with "wrong code".
 */
export function openSecretKey(db: Database.Database, dataDir: string): SecretKey {
	const keyed = db.prepare(
		`select id, coalesce(case when totp_secret ${KEYED} then totp_secret end, totp_pending) as sealed from users
		 where totp_secret ${KEYED} or totp_pending ${KEYED} limit 1`
	);
	const sample = keyed.get() as { id: string; sealed: string } | undefined;
	const anyCode = () => db.prepare(`select 1 from recovery_codes where code_hash ${KEYED} limit 1`).get() !== undefined;
	const key = SecretKey.load(dataDir, () => !sample && !anyCode());
	if (sample && key.open(sample.id, sample.sealed) === undefined) {
		throw new Error(
			`The key file in ${dataDir} does not open this store's two-factor secrets: it belongs to another store. Restore the one taken with this store.`
		);
	}
	if (keyOlderRows(db, key)) {
		// What the older rows held must not linger in free pages or the write-ahead log.
		db.exec('vacuum');
		db.pragma('wal_checkpoint(TRUNCATE)');
	}
	return key;
}

function keyOlderRows(db: Database.Database, key: SecretKey): boolean {
	return db.transaction(() => {
		const users = db
			.prepare(
				`select id, totp_secret as secret, totp_pending as pending from users where totp_secret not ${KEYED} or totp_pending not ${KEYED}`
			)
			.all() as { id: string; secret: string | null; pending: string | null }[];
		const seal = (id: string, value: string | null) => (value === null || SecretKey.isKeyed(value) ? value : key.seal(id, value));
		const setUser = db.prepare('update users set totp_secret = ?, totp_pending = ? where id = ?');
		for (const u of users) setUser.run(seal(u.id, u.secret), seal(u.id, u.pending), u.id);
		const codes = db.prepare(`select user_id, code_hash from recovery_codes where code_hash not ${KEYED}`).all() as {
			user_id: string;
			code_hash: string;
		}[];
		const setCode = db.prepare('update recovery_codes set code_hash = ? where user_id = ? and code_hash = ?');
		for (const c of codes) setCode.run(key.codeHash(c.code_hash), c.user_id, c.code_hash);
		return users.length + codes.length > 0;
	})();
}
