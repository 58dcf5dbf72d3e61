import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import { describeUrl, StoreOpenError } from './pool.ts';

const DIR = new URL('./migrations/', import.meta.url);

interface Migration {
	version: number;
	name: string;
	sql: string;
}

/** The versioned SQL files (NNNN-name.sql), in order. */
export function migrations(): Migration[] {
	return readdirSync(DIR)
		.filter((f) => /^\d{4}-.+\.sql$/.test(f))
		.sort()
		.map((f) => ({ version: Number(f.slice(0, 4)), name: f.slice(5, -4), sql: readFileSync(new URL(f, DIR), 'utf8') }));
}

/**
 * Brings the store's schema (the connection's current schema) up to this code's, each file in a
 * transaction of its own. A session-level advisory lock makes servers starting together apply
 * each file once: the others wait, then find it recorded. A schema newer than the code, or one
 * that holds someone else's tables, is refused.
 */
export async function migrate(pool: pg.Pool, url: string): Promise<void> {
	const known = migrations();
	const client = await pool.connect();
	let broken: Error | undefined;
	try {
		const { rows } = await client.query<{ schema: string | null }>('select current_schema() as schema');
		if (!rows[0]!.schema) {
			throw new StoreOpenError(
				`The database at ${describeUrl(url)} has no schema to hold Roster's tables: its search_path names none that exists.`
			);
		}
		await client.query(`select pg_advisory_lock(hashtextextended('roster migrations ' || current_schema(), 0))`);
		try {
			const applied = await appliedVersions(client, url);
			const newest = Math.max(0, ...known.map((m) => m.version));
			const ahead = applied.filter((v) => v > newest);
			if (ahead.length) {
				throw new StoreOpenError(
					`The database at ${describeUrl(url)} has schema version ${Math.max(...ahead)}, newer than this Roster knows (${newest}): run the Roster that migrated it, or a newer one.`
				);
			}
			for (const m of known.filter((k) => !applied.includes(k.version))) {
				await client.query('begin');
				try {
					await client.query(m.sql);
					await client.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
					await client.query('commit');
				} catch (err) {
					await client.query('rollback');
					throw err;
				}
			}
		} finally {
			await client.query(`select pg_advisory_unlock(hashtextextended('roster migrations ' || current_schema(), 0))`);
		}
	} catch (err) {
		if (!(err instanceof StoreOpenError)) broken = err as Error;
		throw err;
	} finally {
		client.release(broken);
	}
}

/** The versions recorded in the schema; a new table for an empty schema, a refusal for someone else's. */
async function appliedVersions(client: pg.PoolClient, url: string): Promise<number[]> {
	const { rows } = await client.query<{ recorded: boolean; tables: number }>(
		`select to_regclass(quote_ident(current_schema()) || '.schema_migrations') is not null as recorded,
			(select count(*) from pg_tables where schemaname = current_schema()) as tables`
	);
	const { recorded, tables } = rows[0]!;
	if (!recorded && tables > 0) {
		throw new StoreOpenError(
			`The database at ${describeUrl(url)} already holds tables that are not Roster's (no schema_migrations): give Roster an empty database of its own.`
		);
	}
	if (!recorded) {
		await client.query(
			'create table if not exists schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())'
		);
		return [];
	}
	return (await client.query<{ version: number }>('select version from schema_migrations order by version')).rows.map((r) => r.version);
}
