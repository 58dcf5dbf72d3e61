/**
 * The one place the bench meets PostgreSQL: the throwaway cluster the server tests start
 * (tests/server/postgres-cluster.ts), started once for every PostgreSQL scenario, a fresh
 * database for each.
 */
import pg from 'pg';
import { startCluster } from '../tests/server/postgres-cluster.ts';
import { onCleanUp } from './proc.ts';

export interface PostgresCluster {
	/** The URL of a new, empty database on the cluster. */
	freshDatabase(): Promise<string>;
}

let started: Promise<PostgresCluster | string> | undefined;

/** The cluster (started on first use, stopped by cleanUp), or one sentence saying why there is none. */
export function postgres(): Promise<PostgresCluster | string> {
	started ??= start();
	return started;
}

async function start(): Promise<PostgresCluster | string> {
	try {
		// fsync and synchronous commits on, as a deployment runs (the tests turn them off); `durability` says so.
		const cluster = await startCluster({ durable: true });
		onCleanUp(async () => {
			await cluster.stop();
		});
		return { freshDatabase: () => cluster.freshDatabase() };
	} catch (err) {
		return `PostgreSQL did not start: ${(err instanceof Error ? err.message : String(err)).split('\n', 1)[0]}`;
	}
}

/**
 * How durable the database's commits are (its fsync and synchronous_commit settings), so that
 * figures beside SQLite's (which syncs every commit) say when they are flattered.
 */
export async function durability(url: string): Promise<string> {
	const client = new pg.Client({ connectionString: url });
	try {
		await client.connect();
		const { rows } = await client.query<{ s: string }>(
			"select 'fsync ' || current_setting('fsync') || ', synchronous_commit ' || current_setting('synchronous_commit') as s"
		);
		const settings = rows[0]?.s ?? '';
		return /fsync on, synchronous_commit (on|remote_apply|remote_write|local)/.test(settings)
			? `${settings}: commits are flushed to disk, as SQLite's are`
			: `${settings}: commits are NOT flushed to disk, unlike SQLite's, so these figures are flattered`;
	} catch (err) {
		return `durability settings unknown (${err instanceof Error ? err.message : String(err)})`;
	} finally {
		await client.end().catch(() => undefined);
	}
}
