/**
 * Roster server processes (sync-server/main.ts) for one bench scenario, sharing one store: a fresh
 * SQLite data dir, or a fresh database on the PostgreSQL cluster. Every instance uses the same data
 * dir, which then holds only what instances share beside the database (the secret key, the mail log).
 */
import { durability, postgres } from './postgres.ts';
import { cpuSecondsOf, freePort, makeTempDir, removeTempDir, startChild, type Child } from './proc.ts';
import type { Scenario } from './scenarios.ts';

export interface Instances {
	/** http://127.0.0.1:port of each instance, instance 1 first. */
	readonly bases: string[];
	/** Rejects if any instance exits before stop(). */
	readonly died: Promise<never>;
	/** CPU seconds used so far by all instances together. */
	cpu(): number | undefined;
	stop(): Promise<void>;
}

/** Starts the scenario's instances (the first alone, so that it writes the secret key and migrates the schema before the others read them). */
export async function startInstances(scenario: Scenario, serverArgs: string[], log: (line: string) => void): Promise<Instances> {
	const dataDir = makeTempDir('roster-bench-');
	const children: Child[] = [];
	const stop = async () => {
		await Promise.all(children.map((c) => c.stop()));
		// Each server's own account of its commits (ROSTER_COMMIT_STATS below): how long it held organization locks.
		children.forEach((c, i) => {
			const line = /^commit stats: .*$/m.exec(c.output())?.[0];
			if (line) log(`server ${i + 1} ${line}`);
		});
		removeTempDir(dataDir);
	};
	try {
		const store: string[] = [];
		if (scenario.store === 'pg') {
			const cluster = await postgres();
			if (typeof cluster === 'string') throw new Error(cluster);
			const url = await cluster.freshDatabase();
			log(`PostgreSQL: ${await durability(url)}`);
			store.push('--database-url', url);
		}
		const start = async (i: number) => {
			const args = ['--import', 'tsx'];
			if (process.env.BENCH_CPU_PROF) args.push('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`);
			args.push(
				'sync-server/main.ts',
				'--port',
				String(await freePort()),
				'--data-dir',
				dataDir,
				'--host',
				'127.0.0.1',
				...store,
				...serverArgs
			);
			const started = await startChild(`roster server ${i + 1}`, args, {
				env: { ROSTER_COMMIT_STATS: '1' },
				ready: /Roster is running at http:\/\/localhost:(\d+)\//,
				timeoutMs: 30_000
			});
			children[i] = started.child;
			return `http://127.0.0.1:${started.match[1]}`;
		};
		const first = await start(0);
		const rest = await Promise.all(Array.from({ length: scenario.instances - 1 }, (_, i) => start(i + 1)));
		const bases = [first, ...rest];
		log(`roster: ${children.map((c, i) => `server ${i + 1} pid ${c.pid} at ${bases[i]}`).join(', ')}; data in ${dataDir}`);
		const died = Promise.race(children.map((c) => c.died));
		died.catch(() => {}); // each child reports its own death; this only stops waits
		return {
			bases,
			died,
			cpu: () => children.reduce<number | undefined>((sum, c) => (sum === undefined ? undefined : add(sum, cpuSecondsOf(c.pid))), 0),
			stop
		};
	} catch (err) {
		await stop();
		throw err;
	}
}

const add = (a: number, b: number | undefined) => (b === undefined ? undefined : a + b);
