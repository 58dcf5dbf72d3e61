import Database from 'better-sqlite3';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { COPIED, sourceQuery } from './tables.ts';

/** What an operator can cause (a store in use, a target holding data): its message is the whole story. */
export class StoreCopyError extends Error {}

export interface Source {
	db: Database.Database;
	close(): void;
}

/**
 * The SQLite store in `dir`, opened read-only: nothing in it is changed. A server must not run on
 * it (what it commits meanwhile would be missed): a write-ahead log with something in it means one
 * does, or one stopped without closing the store. The files a read-only open leaves beside the
 * store (an empty log and its index) are removed again when it closes.
 */
export function openSource(dir: string): Source {
	const file = join(dir, 'roster.sqlite');
	if (!existsSync(file)) throw new StoreCopyError(`There is no Roster store in ${dir} (no roster.sqlite there).`);
	const wal = `${file}-wal`;
	if (existsSync(wal) && statSync(wal).size > 0) {
		throw new StoreCopyError(
			`The store in ${dir} is in use by a running server (or one that did not stop cleanly): stop it (or start and stop it once), then copy.`
		);
	}
	const absent = [wal, `${file}-shm`].filter((f) => !existsSync(f));
	const db = new Database(file, { readonly: true, fileMustExist: true });
	const close = () => {
		db.close();
		for (const f of absent) rmSync(f, { force: true });
	};
	try {
		if (!upToDate(db)) {
			throw new StoreCopyError(
				`The store in ${dir} was last run by an older Roster: start this Roster on it once (it brings the store up to date), stop it, then copy.`
			);
		}
	} catch (err) {
		close();
		throw err;
	}
	return { db, close };
}

/**
 * Whether the store has every column copied, each update its organization, and every two-factor
 * secret sealed and recovery code keyed: what a server of this version does to a store at start.
 */
function upToDate(db: Database.Database): boolean {
	try {
		for (const t of COPIED) db.prepare(sourceQuery(t));
	} catch {
		return false;
	}
	const older = db.prepare(
		`select 1 from doc_updates where org_id is null
		 union all select 1 from users where totp_secret not like 'v1$%' or totp_pending not like 'v1$%'
		 union all select 1 from recovery_codes where code_hash not like 'v1$%' limit 1`
	);
	return older.get() === undefined;
}
