import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentStore } from '../../sync-server/storage/documents.ts';
import { openPostgres } from '../../sync-server/storage/postgres/postgres.ts';
import { startCluster, type PostgresCluster } from '../server/postgres-cluster.ts';
import { Instances } from '../server/instances.ts';
import { TestClient, signUp } from '../server/test-client.ts';

/**
 * Several Roster processes on one store, as an operator runs them: one data directory (the key
 * file, the mail log) and one PostgreSQL database. The test process reads the store itself
 * (`documents`) to check what was committed, whichever instance committed it.
 */
export interface Deployment {
	readonly instances: Instances;
	readonly dataDir: string;
	readonly documents: DocumentStore;
	/** The PostgreSQL cluster under it, which a test may stop and start. */
	readonly postgres: PostgresCluster;
	readonly clients: TestClient[];
	stop(): Promise<void>;
}

/** `count` instances on a fresh database of `cluster`. */
export async function deploy(cluster: PostgresCluster, count: number): Promise<Deployment> {
	const dataDir = mkdtempSync(join(tmpdir(), 'roster-multi-'));
	const databaseUrl = await cluster.freshDatabase();
	const instances = await Instances.start(count, { dataDir, databaseUrl, args: ['--frames-per-second', '1000'] });
	const store = await openPostgres(databaseUrl, dataDir);
	const clients: TestClient[] = [];
	return {
		instances,
		dataDir,
		documents: store.documents,
		postgres: cluster,
		clients,
		async stop() {
			for (const c of clients) c.close();
			await instances.stopAll();
			await store.close();
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}

/** A synced connection to instance `i` (kept, to be closed with the deployment). */
export async function connect(d: Deployment, cookie: string, i: number): Promise<TestClient> {
	const client = await TestClient.connect(d.instances.port(i % d.instances.count), cookie);
	d.clients.push(client);
	return client;
}

/** Signs a user up through instance `i` and connects it there. */
export async function user(d: Deployment, name: string, i: number) {
	const { cookie, user } = await signUp(d.instances.base(i % d.instances.count), name);
	return { cookie, user, client: await connect(d, cookie, i) };
}

/**
 * A fresh deployment of `count` instances (on a fresh database) for each test of the file, stopped after it; an
 * instance that ended by itself (a crash, an exit on a failed commit) fails the test with what
 * it wrote. The object returned stands for the current test's deployment.
 */
export function deploymentForEachTest(count: number): Deployment {
	let cluster: PostgresCluster | undefined;
	let current: Deployment | undefined;
	// A cluster of the file's own: a test may stop it, which no other file must feel.
	beforeAll(async () => {
		cluster = await startCluster();
	});
	afterAll(() => cluster?.stop());
	beforeEach(async () => {
		current = await deploy(cluster!, count);
	});
	afterEach(async () => {
		const exits = current?.instances.unexpectedExits() ?? [];
		await current?.stop();
		current = undefined;
		expect(exits, 'instances that ended by themselves').toEqual([]);
	});
	return new Proxy({} as Deployment, {
		get(_, key) {
			if (!current) throw new Error('no deployment outside a test');
			return Reflect.get(current, key) as unknown;
		}
	});
}
