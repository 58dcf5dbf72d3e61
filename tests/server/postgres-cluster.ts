import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

/** A throwaway PostgreSQL cluster: started in a temporary directory, removed by `stop`. */
export interface PostgresCluster {
	/** The superuser's URL of a database (default `postgres`). */
	url(db?: string): string;
	/** A new, empty store (a schema of its own); its URL. */
	freshDatabase(): Promise<string>;
	/** Stops PostgreSQL (`immediate`: as if it crashed) without removing the cluster; `start` brings it back. */
	halt(mode?: 'fast' | 'immediate'): Promise<void>;
	start(): Promise<void>;
	/** Stops PostgreSQL and removes the cluster's directory. */
	stop(): Promise<void>;
}

const run = promisify(execFile);

/** The newest installed PostgreSQL's programs (Debian keeps each major version under /usr/lib/postgresql). */
function binDir(): string {
	const root = '/usr/lib/postgresql';
	const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
	const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
	if (!newest) throw new Error(`PostgreSQL is not installed (no ${root}/*/bin/initdb): apt-get install postgresql.`);
	return join(root, newest, 'bin');
}

/** PostgreSQL refuses to run as root: then its programs run as the `postgres` user. */
function asOwner(program: string, args: string[]): [string, string[]] {
	return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

let schemas = 0;
/** One connection per cluster for making schemas: a new connection costs more than the schema. */
const admins = new Map<string, pg.Pool>();

/**
 * A new, empty schema on the cluster whose superuser URL is `adminUrl`, and a URL whose
 * connections work in it (`search_path` set at connection start): a store of its own in a
 * millisecond, where a new database takes a checkpoint and megabytes.
 */
export async function freshDatabase(adminUrl: string): Promise<string> {
	const schema = `t${process.pid}_${++schemas}_${Date.now().toString(36)}`;
	let admin = admins.get(adminUrl);
	if (!admin) {
		admin = new pg.Pool({ connectionString: adminUrl, max: 1, allowExitOnIdle: true });
		// A cluster halted by a test drops the idle connection: the pool makes a new one when next asked.
		admin.on('error', () => undefined);
		admins.set(adminUrl, admin);
	}
	await admin.query(`create schema ${schema}`);
	const url = new URL(adminUrl);
	url.searchParams.set('options', `-c search_path=${schema}`);
	return url.toString();
}

/**
 * Starts a PostgreSQL cluster of its own for tests: initdb into a fresh temporary directory
 * (owned by `postgres` when we are root), listening on a free port on 127.0.0.1 and on a Unix
 * socket directory of its own, trusting local connections, without fsync (a test's data need
 * not survive the machine) unless `durable` (the benchmark: commits on disk, as a deployment's are).
 */
export async function startCluster(options: { durable?: boolean } = {}): Promise<PostgresCluster> {
	const bin = binDir();
	const dir = mkdtempSync(join(tmpdir(), 'roster-pg-'));
	const data = join(dir, 'data');
	const sockets = join(dir, 'sockets');
	mkdirSync(sockets);
	if (process.getuid?.() === 0) {
		const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
		for (const d of [dir, sockets]) chownSync(d, id('-u'), id('-g'));
	}
	const pgCtl = (args: string[]) => run(...asOwner(join(bin, 'pg_ctl'), ['-D', data, ...args]));

	await run(...asOwner(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']));
	const port = await freePort();
	const settings = [
		`-p ${port}`,
		`-k ${sockets}`,
		'-c listen_addresses=127.0.0.1',
		...(options.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
		'-c max_connections=300'
	].join(' ');
	const start = async () => {
		await pgCtl(['-l', join(dir, 'postgres.log'), '-w', '-o', settings, 'start']);
	};
	const halt = async (mode: 'fast' | 'immediate' = 'immediate') => {
		await pgCtl(['-w', '-m', mode, 'stop']);
	};
	// A test process that ends without stop() leaves no server running.
	const onExit = () => {
		try {
			execFileSync(...asOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']), { stdio: 'ignore' });
		} catch {
			// Already stopped.
		}
		rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
	};
	process.once('exit', onExit);
	await start();

	const url = (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`;
	return {
		url,
		freshDatabase: () => freshDatabase(url()),
		halt,
		start,
		async stop() {
			process.off('exit', onExit);
			await admins.get(url())?.end();
			admins.delete(url());
			await halt('immediate').catch(() => undefined);
			// Its last processes may still be writing the log as the server exits: rm retries a directory not yet empty.
			rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
		}
	};
}
