/**
 * The one place the bench meets PostgreSQL: the throwaway cluster the server tests start
 * (tests/server/postgres-cluster.ts), started once for every PostgreSQL scenario, a fresh
 * database for each.
 */
import { existsSync } from 'node:fs';
import { onCleanUp } from './proc.ts';

export interface PostgresCluster {
	/** The URL of a new, empty database on the cluster. */
	freshDatabase(): Promise<string>;
}

/** The tests' helper, loaded by name so that the bench still runs (without PostgreSQL) before it exists. */
const HELPER = '../tests/server/postgres-cluster.ts';

interface Helper {
	startCluster(): Promise<{ freshDatabase(): Promise<string>; stop(): Promise<void> | void }>;
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
		const cluster = await helper.startCluster();
		onCleanUp(async () => {
			await cluster.stop();
		});
		return { freshDatabase: () => cluster.freshDatabase() };
	} catch (err) {
		return `PostgreSQL did not start: ${(err instanceof Error ? err.message : String(err)).split('\n', 1)[0]}`;
	}
}
