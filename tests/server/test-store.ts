import { inject } from 'vitest';
import type {} from './postgres-global.ts';

/** The store test servers run on: PostgreSQL when the project asks for it (server-pg), else SQLite. */
export function testStore(): 'sqlite' | 'postgres' {
	return process.env.ROSTER_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
}

/** Undefined outside a run that provides one (`inject` answers undefined for what no global set-up provided). */
function clusterUrl(): string | undefined {
	return inject('postgresUrl') as string | undefined;
}

/** What `startServer` needs for a store of its own: nothing on SQLite (the data directory holds it), a fresh empty database on PostgreSQL. */
export async function freshStore(): Promise<{ databaseUrl?: string }> {
	if (testStore() === 'sqlite') return {};
	const adminUrl = clusterUrl();
	if (!adminUrl) throw new Error('ROSTER_TEST_STORE=postgres needs the PostgreSQL cluster that tests/server/postgres-global.ts provides.');
	return { databaseUrl: await freshDatabase(adminUrl) };
}

/** The cluster harness's fresh database, loaded only on PostgreSQL runs (it needs pg). */
async function freshDatabase(adminUrl: string): Promise<string> {
	const cluster = await import('./postgres-cluster.ts');
	return cluster.freshDatabase(adminUrl);
}
