import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.once('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const address = srv.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			srv.close(() => (port ? resolve(port) : reject(new Error('no port'))));
		});
	});
}

export interface Child {
	readonly name: string;
	readonly pid: number;
	/** What it printed (stdout and stderr, the first 64 KiB). */
	output(): string;
	/** SIGTERM, then SIGKILL after a grace period; resolves once it has exited. */
	stop(): Promise<void>;
	/** SIGKILL, synchronously (for the exit handler). */
	kill(): void;
	/** Rejects if the child exits before stop() is called. */
	readonly died: Promise<never>;
}

/** Children still running, temp dirs still there and other things to stop, so an error or Ctrl-C can clean them up. */
const live = new Set<Child>();
const dirs = new Set<string>();
const finalizers: (() => Promise<void>)[] = [];

/** Runs `stop` in cleanUp(), after the children have stopped (e.g. a database cluster they used). */
export function onCleanUp(stop: () => Promise<void>) {
	finalizers.push(stop);
}

/** A fresh, empty directory under the OS temp dir. */
export function makeTempDir(prefix: string): string {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	dirs.add(dir);
	return dir;
}

export function removeTempDir(dir: string) {
	dirs.delete(dir);
	rmSync(dir, { recursive: true, force: true });
}

// Last resort if the process exits without reaching cleanUp() (e.g. an awaited promise that can never settle).
process.on('exit', () => {
	for (const child of live) child.kill();
	for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Stops every child still running, then what onCleanUp registered, then removes every temp dir still there. Safe to call twice. */
export async function cleanUp(): Promise<void> {
	await Promise.all([...live].map((c) => c.stop()));
	for (const stop of finalizers.splice(0)) await stop().catch((err: unknown) => console.error('bench: cleaning up:', err));
	for (const dir of [...dirs]) removeTempDir(dir);
}

/**
 * Starts `node args…` in its own process and waits for its output to match `ready`
 * (rejects, having stopped it, if it exits first or takes longer than `timeoutMs`).
 * An env value of undefined removes that variable.
 */
export function startChild(
	name: string,
	args: string[],
	options: { env?: Record<string, string | undefined>; ready: RegExp; timeoutMs?: number }
): Promise<{ child: Child; match: RegExpMatchArray }> {
	const env = { ...process.env, ...options.env };
	for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
	const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	let stopping = false;
	const exited = new Promise<void>((res) => proc.once('exit', () => res()));
	const died = new Promise<never>((_, rej) =>
		proc.once('exit', (code, signal) => {
			if (!stopping) rej(new Error(`${name} exited unexpectedly (${signal ?? code}); it printed:\n${out.slice(-4000)}`));
		})
	);
	died.catch(() => {}); // reported where it is awaited, and below
	const child: Child = {
		name,
		pid: proc.pid ?? -1,
		output: () => out,
		died,
		kill: () => {
			stopping = true;
			if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
		},
		async stop() {
			stopping = true;
			live.delete(child);
			if (proc.exitCode !== null || proc.signalCode !== null) return;
			proc.kill('SIGTERM');
			const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
			await exited;
			clearTimeout(timer);
		}
	};
	live.add(child);

	return new Promise((resolve, reject) => {
		let settled = false;
		const fail = (why: string) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			void child.stop().then(() => reject(new Error(`${name}: ${why}\n${out}`)));
		};
		const timer = setTimeout(() => fail('not ready in time'), options.timeoutMs ?? 20_000);
		const collect = (chunk: Buffer) => {
			if (out.length < 65536) out += chunk.toString('utf8');
			const match = settled ? null : out.match(options.ready);
			if (match) {
				settled = true;
				clearTimeout(timer);
				died.catch((err: unknown) => console.error(String(err)));
				resolve({ child, match });
			}
		};
		proc.stdout.on('data', collect);
		proc.stderr.on('data', collect);
		proc.once('error', (err) => fail(String(err)));
		proc.once('exit', (code, signal) => fail(`exited early (${signal ?? code})`));
	});
}

/** CPU seconds (user + system) a process has used, from /proc; undefined where that is not readable. */
export function cpuSecondsOf(pid: number): number | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// After "pid (comm) ", utime and stime are the 12th and 13th fields (14 and 15 in proc(5)); USER_HZ is 100.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return (Number(fields[11]) + Number(fields[12])) / 100;
	} catch {
		return undefined;
	}
}

/** CPU seconds all processes on the machine have used (busy time over all cores, from /proc/stat). */
export function machineCpuSeconds(): number | undefined {
	try {
		const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
		const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
		return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
	} catch {
		return undefined;
	}
}

/** CPU seconds this (the load generator's) process has used. */
export function ownCpuSeconds(): number {
	const u = process.cpuUsage();
	return (u.user + u.system) / 1e6;
}

/** Builds a load target whose `close` is `stop`; if building fails, stops what was started and rethrows. */
export async function closedBy<T>(stop: () => Promise<void>, build: () => Promise<T>): Promise<T & { close: () => Promise<void> }> {
	try {
		return { ...(await build()), close: stop };
	} catch (err) {
		await stop();
		throw err;
	}
}
