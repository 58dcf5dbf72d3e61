import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_PASSWORD_COST } from './test-client.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Loaded into each instance before the server: it exits when its stdin (a pipe from the test process) ends. */
const ORPHAN_GUARD = fileURLToPath(new URL('./exit-with-parent.ts', import.meta.url));

export interface InstancesOptions {
	/** Shared by every instance: the secret key file and the mail log. */
	dataDir: string;
	/** PostgreSQL's URL; without it each instance opens the SQLite store in `dataDir` (one instance only). */
	databaseUrl?: string;
	/** More command-line options for every instance. */
	args?: string[];
}

interface Instance {
	child: ChildProcess;
	port: number;
	/** What it wrote to stderr and stdout, for failure messages. */
	output: string[];
	exited: Promise<void>;
	/** Ended by the test (kill, stop), not by itself. */
	ended: boolean;
}

/** Every instance of this test process: killed when it exits, whatever the way (the stdin pipe covers a kill -9 of it). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
	for (const child of live) child.kill('SIGKILL');
});

/**
 * Roster server processes (`sync-server/main.ts`, as an operator starts them) on one store:
 * started on free ports, killed with SIGKILL, restarted. A process that ends by itself is an
 * `unexpectedExits()` entry with what it wrote, for the test to fail on.
 */
export class Instances {
	private readonly instances: (Instance | undefined)[] = [];
	private readonly died: string[] = [];

	private constructor(private readonly options: InstancesOptions) {}

	/** `count` instances, started at once; the key file is made first, so that no two make their own. */
	static async start(count: number, options: InstancesOptions): Promise<Instances> {
		const keyFile = join(options.dataDir, 'secret.key');
		if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
		const instances = new Instances(options);
		try {
			await Promise.all(Array.from({ length: count }, (_, i) => instances.restart(i)));
		} catch (err) {
			await instances.stopAll();
			throw err;
		}
		return instances;
	}

	get count() {
		return this.instances.length;
	}

	port(i: number): number {
		const instance = this.instances[i];
		if (!instance) throw new Error(`instance ${i} is not running`);
		return instance.port;
	}

	base(i: number): string {
		return `http://127.0.0.1:${this.port(i)}`;
	}

	/** What instance `i` wrote so far. */
	output(i: number): string {
		return this.instances[i]?.output.join('') ?? '';
	}

	/** Instances that ended without being told to, each with the end of what it wrote. */
	unexpectedExits(): string[] {
		return [...this.died];
	}

	/** Starts instance `i` (again, on a new port); resolves once it listens. */
	async restart(i: number): Promise<void> {
		if (this.instances[i]) throw new Error(`instance ${i} is running`);
		const { dataDir, databaseUrl, args = [] } = this.options;
		const argv = ['--import', 'tsx', '--import', ORPHAN_GUARD, 'sync-server/main.ts', '--port', '0', '--data-dir', dataDir];
		argv.push('--password-cost', String(TEST_PASSWORD_COST), ...(databaseUrl ? ['--database-url', databaseUrl] : []), ...args);
		const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'test' } });
		live.add(child);
		const output: string[] = [];
		const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
		const instance: Instance = { child, port: 0, output, exited, ended: false };
		this.instances[i] = instance;
		void exited.then(() => {
			live.delete(child);
			if (this.instances[i] === instance) this.instances[i] = undefined;
			if (!instance.ended)
				this.died.push(`instance ${i} (pid ${child.pid}) exited by itself (${child.exitCode ?? child.signalCode}):\n${tail(output)}`);
		});
		child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
		const listening = new Promise<number>((resolve, reject) => {
			let line = '';
			child.stdout!.on('data', (chunk: Buffer) => {
				output.push(chunk.toString());
				line += chunk.toString();
				const port = line.match(/Roster is running at http:\/\/[^:]+:(\d+)\//)?.[1];
				if (port) resolve(Number(port));
			});
			void exited.then(() => reject(new Error(`instance ${i} ended before it listened:\n${tail(output)}`)));
		});
		instance.port = await listening;
	}

	/** kill -9: the process ends at once, mid-commit or not; resolves once it is gone. */
	async kill(i: number): Promise<void> {
		const instance = this.instances[i];
		if (!instance) throw new Error(`instance ${i} is not running`);
		instance.ended = true;
		instance.child.kill('SIGKILL');
		await instance.exited;
	}

	/** Kills every instance; safe to call twice, and after a failed start. */
	async stopAll(): Promise<void> {
		await Promise.all(this.instances.map((instance, i) => (instance ? this.kill(i) : undefined)));
	}
}

function tail(output: string[]): string {
	return output.join('').split('\n').slice(-80).join('\n');
}
