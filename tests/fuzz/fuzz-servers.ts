import type { DocumentStore } from '../../sync-server/storage/documents.ts';
import { TestClient, TestServer } from '../server/test-client.ts';
import { deploy, type Deployment } from '../multi/deployment.ts';
import type { PostgresCluster } from '../server/postgres-cluster.ts';

/** Where a fuzz run's clients connect: one in-process server, or several server processes on one database. */
export interface FuzzServers {
	/** How many instances clients are spread over. */
	readonly count: number;
	/** Shared by every instance: the mail log. */
	readonly dataDir: string;
	/** The store, read directly: what was committed, whichever instance committed it. */
	readonly documents: DocumentStore;
	start(): Promise<void>;
	stop(): Promise<void>;
	base(instance: number): string;
	connect(cookie: string, instance: number): Promise<TestClient>;
	/** Restarts instance `instance` (the in-process server: closes and reopens it; a process: kill -9, then starts it again). */
	restart(instance: number): Promise<void>;
}

/** The in-process server: restarted by closing it and starting again on the same directory. */
export class OneServer implements FuzzServers {
	readonly count = 1;
	private readonly t = new TestServer();
	get dataDir() {
		return this.t.dataDir;
	}
	get documents() {
		return this.t.server.documents;
	}
	async start() {
		await this.t.start();
	}
	stop() {
		return this.t.stop();
	}
	base() {
		return this.t.base;
	}
	connect(cookie: string) {
		return this.t.connect(cookie);
	}
	restart() {
		return this.t.restart();
	}
}

/** Server processes on a fresh database of `cluster`; a restart kills one with SIGKILL and starts it again. */
export class ServerProcesses implements FuzzServers {
	private d: Deployment | undefined;

	constructor(
		private readonly cluster: PostgresCluster,
		readonly count: number
	) {}

	private get deployment(): Deployment {
		if (!this.d) throw new Error('not started');
		return this.d;
	}
	get dataDir() {
		return this.deployment.dataDir;
	}
	get documents() {
		return this.deployment.documents;
	}
	async start() {
		this.d = await deploy(this.cluster, this.count);
	}
	async stop() {
		const exits = this.d?.instances.unexpectedExits() ?? [];
		await this.d?.stop();
		if (exits.length) throw new Error(`instances ended by themselves:\n${exits.join('\n')}`);
	}
	base(instance: number) {
		return this.deployment.instances.base(instance);
	}
	async connect(cookie: string, instance: number) {
		const client = await TestClient.connect(this.deployment.instances.port(instance), cookie);
		this.deployment.clients.push(client);
		return client;
	}
	async restart(instance: number) {
		await this.deployment.instances.kill(instance);
		await this.deployment.instances.restart(instance);
	}
}
