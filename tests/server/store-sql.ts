/**
 * Reads the test server's own store, SQLite or PostgreSQL, below the store's interface: SQL written
 * in the dialect both accept, with `?` placeholders.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningServer } from '../../sync-server/server.ts';

type Row = Record<string, unknown>;

/** `?` placeholders as PostgreSQL numbers them (`$1`, `$2`…); a `?` inside a quoted string stays. */
const numbered = (sql: string) => {
	let n = 0;
	return sql.replace(/'[^']*'|\?/g, (m) => (m === '?' ? `$${++n}` : m));
};

export async function rows(server: RunningServer, sql: string, ...params: unknown[]): Promise<Row[]> {
	if (server.kind === 'postgres') return (await server.pool!.query(numbered(sql), params)).rows;
	return server.store!.db.prepare(sql).all(...params) as Row[];
}

export async function row(server: RunningServer, sql: string, ...params: unknown[]): Promise<Row | undefined> {
	return (await rows(server, sql, ...params))[0];
}

/** The store's tables (on PostgreSQL, those of the schema the server uses). */
export async function tables(server: RunningServer): Promise<string[]> {
	const sql =
		server.kind === 'postgres'
			? "select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'"
			: "select name from sqlite_master where type = 'table'";
	return (await rows(server, sql)).map((r) => String(r.name));
}

/** The SQLite store's files in a data directory (the database, its write-ahead log and index) as text; none on PostgreSQL. */
export const sqliteFiles = (dataDir: string) =>
	readdirSync(dataDir)
		.filter((f) => f.startsWith('roster.sqlite'))
		.map((f) => readFileSync(join(dataDir, f)).toString('latin1'));

/** Every row of every table as text (binary columns as their bytes). */
export async function storedRows(server: RunningServer): Promise<string[]> {
	const text = (v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : String(v));
	const all = await Promise.all((await tables(server)).map((name) => rows(server, `select * from "${name}"`)));
	return all.flat().map((r) => Object.values(r).map(text).join('\t'));
}

/** What the store keeps, as text to search for what it must not: SQLite's files byte for byte, and every row of every table. */
export async function atRest(dataDir: string, server: RunningServer): Promise<string[]> {
	return [...sqliteFiles(dataDir), ...(await storedRows(server))];
}
