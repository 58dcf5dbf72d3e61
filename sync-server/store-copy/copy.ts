import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { KEY_FILE } from '../secret-key.ts';
import { migrate } from '../storage/postgres/migrate.ts';
import { forgetExpiryDue } from '../storage/postgres/pg-expiry-due.ts';
import { describeUrl, inTransaction, openPool } from '../storage/postgres/pool.ts';
import { formatReport, orgLines, orgStates, report, tally, type CopyReport, type TableLine } from './report.ts';
import { openSource, StoreCopyError, type Source } from './source.ts';
import { canonical, COPIED, insertStatement, sourceQuery, targetQuery, type CopiedTable, type Value } from './tables.ts';

export { formatReport, StoreCopyError };

export interface CopyOptions {
	/** The data directory of the SQLite store (roster.sqlite and secret.key). */
	from: string;
	/** The PostgreSQL database's URL. */
	to: string;
	/** Where to put a copy of the key file: the data directory the PostgreSQL servers will use. */
	keyDir?: string;
	/** Only compare the two stores (an earlier copy): nothing is written. */
	verify?: boolean;
}

export interface CopyResult extends CopyReport {
	/** What was done about the key file, or must be done by hand (absent when only verifying). */
	key?: string;
}

/** Rows sent to PostgreSQL per statement. */
const CHUNK = 1000;

/**
 * Copies the SQLite store in `from` into the empty PostgreSQL database at `to` (its schema brought
 * up to date first, as a server does) in one transaction, then compares the two: each table's
 * rows and each organization's documents. With `verify`, only compares.
 */
export async function storeCopy(o: CopyOptions): Promise<CopyResult> {
	const source = openSource(o.from);
	try {
		const pool = await openPool(o.to, 1);
		try {
			await migrate(pool, o.to);
			const key = o.verify ? undefined : keyPlan(o.from, o.keyDir);
			if (!o.verify) await copyInto(pool, source, o.to);
			key?.place();
			return { ...(await compare(source, pool)), key: key?.sentence };
		} finally {
			await pool.end();
		}
	} finally {
		source.close();
	}
}

async function copyInto(pool: pg.Pool, source: Source, url: string) {
	await inTransaction(pool, async (c) => {
		// A server writing into the target meanwhile waits for the copy, and a second copy finds this one's rows.
		const all = COPIED.map((t) => t.name);
		await c.query(`lock table ${all.join(', ')} in exclusive mode`);
		const { rows } = await c.query<{ held: boolean }>(`select ${all.map((t) => `exists (select 1 from ${t})`).join(' or ')} as held`);
		if (rows[0]!.held) {
			throw new StoreCopyError(`The database at ${describeUrl(url)} already holds a Roster store: copy into an empty database only.`);
		}
		for (const t of COPIED) {
			const insert = insertStatement(t);
			let chunk: Value[][] = [];
			const flush = async () => {
				if (chunk.length)
					await c.query(
						insert,
						t.columns.map((_, i) => chunk.map((r) => r[i]))
					);
				chunk = [];
			};
			for (const row of sourceRows(source, t)) {
				chunk.push(row);
				if (chunk.length === CHUNK) await flush();
			}
			await flush();
		}
		await forgetExpiryDue(c);
		// New mutations are numbered after the copied ones.
		await c.query(`select setval(pg_get_serial_sequence('mutations', 'seq'), coalesce(max(seq), 0) + 1, false) from mutations`);
	});
}

function* sourceRows(source: Source, t: CopiedTable): Generator<Value[]> {
	for (const row of source.db.prepare(sourceQuery(t)).iterate()) yield canonical(t, row as Record<string, unknown>);
}

/** Every update, by organization, document and sequence (text in byte order on both sides). */
const UPDATES = {
	source: 'select org_id, doc_id, data from doc_updates order by org_id, doc_id, seq',
	target: 'select org_id, doc_id, data from doc_updates order by org_id collate "C", doc_id collate "C", seq'
};

/** Both stores as the report tells them: each table from what each side holds, and each organization's documents rebuilt on each side. */
async function compare(source: Source, pool: pg.Pool): Promise<CopyReport> {
	const tables: TableLine[] = [];
	for (const t of COPIED) {
		const target = (await pool.query<Record<string, unknown>>(targetQuery(t))).rows.map((r) => canonical(t, r));
		tables.push({ table: t.name, source: await tally(sourceRows(source, t)), target: await tally(target) });
	}
	type Update = { org_id: string; doc_id: string; data: Buffer };
	const sourceDocs = await orgStates(source.db.prepare(UPDATES.source).iterate() as Iterable<Update>);
	const targetDocs = await orgStates((await pool.query<Update>(UPDATES.target)).rows);
	return report(tables, orgLines(sourceDocs, targetDocs));
}

/**
 * The key file seals the two-factor secrets and keys the recovery codes, which are copied as they
 * are: every server of the database needs the same file. Put into `keyDir` when given, once the
 * copy is committed (a different key there is refused before anything is copied); else the
 * sentence says what to copy where.
 */
function keyPlan(from: string, keyDir: string | undefined): { sentence: string; place(): void } {
	const file = join(from, KEY_FILE);
	const nothing = () => undefined;
	if (!existsSync(file)) {
		return {
			sentence: `There is no ${KEY_FILE} in ${from}: nothing is sealed with one, and the first server makes its own.`,
			place: nothing
		};
	}
	if (!keyDir) {
		return {
			sentence: `Copy ${file} into the data directory (--data-dir) of every server of this database: the two-factor secrets and recovery codes open only with it.`,
			place: nothing
		};
	}
	const dest = join(keyDir, KEY_FILE);
	const key = readFileSync(file);
	if (existsSync(dest)) {
		if (readFileSync(dest).equals(key)) return { sentence: `${dest} is the store's key already.`, place: nothing };
		throw new StoreCopyError(`${dest} holds another key than ${file}: remove it, or give another --key-dir.`);
	}
	return {
		sentence: `Copied ${file} to ${dest}: start the servers of this database with --data-dir ${keyDir} (or that key file in theirs).`,
		place: () => {
			mkdirSync(keyDir, { recursive: true });
			writeFileSync(dest, key, { mode: 0o600, flag: 'wx' });
		}
	};
}
