/**
 * The one place the bench meets PostgreSQL: the throwaway cluster the server tests start
 * (tests/server/postgres-cluster.ts), started once for every PostgreSQL scenario, a fresh
 * database for each.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { onCleanUp } from './proc.ts';

export interface PostgresCluster {
	/** The URL of a new, empty database on the cluster. */
	freshDatabase(): Promise<string>;
}

/** The tests' helper, loaded by name so that the bench still runs (without PostgreSQL) before it exists. */
const HELPER = '../tests/server/postgres-cluster.ts';

interface Helper {
	/** `durable`: fsync and synchronous commits on, as a real deployment runs (tests turn them off); asked for, checked by `durability`. */
	startCluster(options?: { durable?: boolean }): Promise<{ freshDatabase(): Promise<string>; stop(): Promise<void> | void }>;
}

let started: Promise<PostgresCluster | string> | undefined;

/** The cluster (started on first use, stopped by cleanUp), or one sentence saying why there is none. */
export function postgres(): Promise<PostgresCluster | string> {
	started ??= start();
	return started;
}

async function start(): Promise<PostgresCluster | string> {
	if (!existsSync(new URL(HELPER, import.meta.url)))
		return 'the PostgreSQL test cluster helper (tests/server/postgres-cluster.ts) is not there';
	try {
		const helper = (await import(HELPER)) as Helper;
		const cluster = await helper.startCluster({ durable: true });
		onCleanUp(async () => {
			await cluster.stop();
		});
		return { freshDatabase: () => cluster.freshDatabase() };
	} catch (err) {
		return `PostgreSQL did not start: ${(err instanceof Error ? err.message : String(err)).split('\n', 1)[0]}`;
	}
}

/**
 * How durable the database's commits are (its fsync and synchronous_commit settings, read with
 * psql), so that figures beside SQLite's (which syncs every commit) say when they are flattered.
 */
export async function durability(url: string): Promise<string> {
	try {
		const { stdout } = await promisify(execFile)('psql', [
			url,
			'-Atc',
			"select 'fsync ' || current_setting('fsync') || ', synchronous_commit ' || current_setting('synchronous_commit')"
		]);
		const settings = stdout.trim();
		return /fsync on, synchronous_commit (on|remote_apply|remote_write|local)/.test(settings)
			? `${settings}: commits are flushed to disk, as SQLite's are`
			: `${settings}: commits are NOT flushed to disk, unlike SQLite's, so these figures are flattered`;
	} catch {
		return 'durability settings unknown (psql could not read them)';
	}
}
