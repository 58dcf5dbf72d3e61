import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshStore } from './test-store.ts';

/** What came back on a raw socket: the status (0 when the server answered nothing) and the body after the headers. */
export interface RawAnswer {
	status: number;
	head: string;
	body: string;
}

/**
 * Writes `request` as-is (`\n` becomes CRLF) and resolves with everything the server sent once it
 * closes the socket. `halfClose` ends the request side: for requests cut short, and upgrades, which
 * the server otherwise keeps open.
 */
export function rawRequest(port: number, request: string, halfClose = false): Promise<RawAnswer> {
	return new Promise((resolve) => {
		const chunks: Buffer[] = [];
		const socket = connect(port, '127.0.0.1', () => {
			const bytes = request.replace(/\r?\n/g, '\r\n');
			if (halfClose) socket.end(bytes);
			else socket.write(bytes);
		});
		socket.on('data', (d: Buffer) => chunks.push(d));
		socket.on('error', () => {});
		socket.on('close', () => {
			const text = Buffer.concat(chunks).toString('latin1');
			const split = text.indexOf('\r\n\r\n');
			const head = split < 0 ? text : text.slice(0, split);
			const body = split < 0 ? '' : text.slice(split + 4);
			resolve({
				status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0),
				head,
				body: /^transfer-encoding: chunked/im.test(head) ? dechunk(body) : body
			});
		});
	});
}

function dechunk(body: string): string {
	let out = '';
	for (let at = 0; ;) {
		const eol = body.indexOf('\r\n', at);
		const size = parseInt(body.slice(at, eol), 16);
		if (eol < 0 || !(size > 0)) return out;
		out += body.slice(eol + 2, eol + 2 + size);
		at = eol + 4 + size;
	}
}

/** A websocket upgrade request for `path` with extra header lines. */
export function upgradeRequest(path: string, headers: string[] = []): string {
	return [
		`GET ${path} HTTP/1.1`,
		'Host: 127.0.0.1',
		'Upgrade: websocket',
		'Connection: Upgrade',
		'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
		'Sec-WebSocket-Version: 13',
		...headers,
		'',
		''
	].join('\n');
}

/** Roster's command line in a child process (on the tests' store): a crash there fails one test rather than the whole run. */
export async function childServer() {
	const dir = mkdtempSync(join(tmpdir(), 'roster-child-'));
	const { databaseUrl } = await freshStore();
	const child = spawn(
		process.execPath,
		[
			...['--import', 'tsx', 'sync-server/main.ts', '--port', '0', '--data-dir', dir, '--password-cost', '10'],
			...(databaseUrl ? ['--database-url', databaseUrl] : [])
		],
		{
			cwd: join(import.meta.dirname, '../..'),
			stdio: ['ignore', 'pipe', 'pipe']
		}
	);
	let output = '';
	child.stderr.on('data', (d: Buffer) => (output += d.toString()));
	const exited = new Promise<void>((res) => child.on('exit', () => res()));
	const port = await new Promise<number>((res, rej) => {
		child.stdout.on('data', (d: Buffer) => {
			const m = (output += d.toString()).match(/running at http:\/\/localhost:(\d+)\//);
			if (m) res(Number(m[1]));
		});
		void exited.then(() => rej(new Error(`server exited: ${output}`)));
	});
	return {
		port,
		/** Whether the process is still running (a crashed one has exited). */
		running: () => child.exitCode === null && child.signalCode === null,
		output: () => output,
		async stop() {
			child.kill();
			await exited;
			rmSync(dir, { recursive: true, force: true });
		}
	};
}
