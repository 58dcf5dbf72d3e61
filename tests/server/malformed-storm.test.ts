import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { CLOSE } from '$lib/protocol/messages.ts';
import { childServer, rawRequest, upgradeRequest, type RawAnswer } from './raw-http.ts';
import { row, tables } from './store-sql.ts';
import { PASSWORD, post, signUp, TestServer } from './test-client.ts';

/** A request line with Host and `Connection: close` (so the server closes after its answer), header lines and body. */
const request = (line: string, headers: string[] = [], body = '') =>
	[line, 'Host: 127.0.0.1', 'Connection: close', ...headers, '', body].join('\n');
const json = 'Content-Type: application/json';
const withBody = (path: string, body: string, headers: string[] = [json]) =>
	request(`POST ${path} HTTP/1.1`, [...headers, `Content-Length: ${Buffer.byteLength(body)}`], body);

const ODD_PATHS = [
	'//',
	'///',
	'/%',
	'/%E0%A4%A',
	'/..%2f..%2fetc/passwd',
	'/%2e%2e/%2e%2e/etc/passwd',
	'/%00',
	'/a%00.js',
	'/\\..\\..\\etc\\passwd',
	'/_app/../../package.json',
	`/${'a'.repeat(8000)}`,
	`/api/${'x'.repeat(8000)}`,
	'/api//me',
	'/api/me/',
	'/api/me?%',
	'/?a=%%%&b',
	'/api/activity?org=%E0&limit=abc',
	'/api/activity?org=a&org=b&limit=-1&before=NaN',
	'/api/export?org=acme&format=xml',
	'/api/mail-log?org=',
	'/api/verify-email?token=%',
	`/api/verify-email?token=${'x'.repeat(4000)}`,
	'x',
	'*',
	'http://[::1',
	'http://evil.example/api/me',
	'ftp://x/'
];

const BAD_COOKIES = [
	'roster_session=%E0%A4%A',
	'roster_session=%',
	'roster_session=',
	'roster_session',
	'=;;;=;',
	'roster_session=a; roster_session=b',
	`roster_session=${'x'.repeat(8000)}`,
	'roster_session="quoted"',
	'roster_session=\u00e9\u00ff',
	'__Host-roster_session=forged'
];

/** Requests that end before their body does, or that HTTP itself refuses: the server may just close these. */
const CUT_SHORT = [
	request('POST /api/signup HTTP/1.1', [json, 'Content-Length: 100'], '{"user'),
	request('POST /api/signin HTTP/1.1', [json, 'Transfer-Encoding: chunked'], '5\r\n{"use'),
	request('POST /api/signin HTTP/1.1', [json, 'Transfer-Encoding: chunked'], 'zz\r\n{}\r\n0\r\n\r\n'),
	request('CONNECT 127.0.0.1:1 HTTP/1.1'),
	'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
	'\x00\x01\x02\x03',
	'GET / HTTP/1.1\n'
];

function storm(port: number, cookie: string): Promise<RawAnswer & { hungUp?: true }>[] {
	const raw = (text: string) => rawRequest(port, text);
	// Sent and half-closed at once: an answer that waits for the store (the session, on PostgreSQL) may find the client gone.
	const upgrade = (path: string, headers: string[] = [], edit = (text: string) => text) =>
		rawRequest(port, edit(upgradeRequest(path, headers)), true).then((a) => ({ ...a, hungUp: true }));
	return [
		...ODD_PATHS.flatMap((path) => [
			raw(request(`GET ${path} HTTP/1.1`)),
			raw(request(`HEAD ${path} HTTP/1.1`)),
			raw(request(`POST ${path} HTTP/1.1`, [json, 'Content-Length: 2'], '{}')),
			upgrade(path)
		]),
		...BAD_COOKIES.flatMap((c) => [
			raw(request('GET /api/me HTTP/1.1', [`Cookie: ${c}`])),
			raw(request('POST /api/signout HTTP/1.1', [`Cookie: ${c}`, json, 'Content-Length: 2'], '{}')),
			upgrade('/sync', [`Cookie: ${c}`]),
			upgrade('/sync', [`Cookie: ${c}`, `Cookie: ${c}`])
		]),
		// Methods and request lines.
		...[
			'FOO / HTTP/1.1',
			'get / HTTP/1.1',
			'DELETE / HTTP/1.1',
			'PUT /api/signup HTTP/1.1',
			'PATCH /api/signin HTTP/1.1',
			'TRACE / HTTP/1.1',
			'OPTIONS * HTTP/1.1',
			'OPTIONS /api/signup HTTP/1.1',
			'PROPFIND /api/me HTTP/1.1',
			'GET / HTTP/9.9',
			'GET / HTTP/1.1 extra',
			'GARBAGE',
			'GET /\x7f HTTP/1.1'
		].map((line) => raw(request(line))),
		// Headers.
		raw(request('GET / HTTP/1.1', [`X-Big: ${'h'.repeat(20_000)}`])),
		raw(
			request(
				'GET /api/me HTTP/1.1',
				Array.from({ length: 3000 }, (_, i) => `X-${i}: ${i}`)
			)
		),
		raw(request('GET / HTTP/1.1', ['X-Bad: a\x01b'])),
		raw(request('GET / HTTP/1.1', ['Bad Header: x'])),
		raw('GET / HTTP/1.1\nConnection: close\n\n'),
		raw(request('GET / HTTP/1.1', ['Host: second.example'])),
		raw(request('POST /api/signup HTTP/1.1', [json, 'Content-Length: 2', 'Transfer-Encoding: chunked'], '{}')),
		raw(request('POST /api/signup HTTP/1.1', [json, 'Content-Length: abc'], '{}')),
		raw(request('POST /api/signup HTTP/1.1', [json, 'Content-Length: -1'], '{}')),
		raw(request('POST /api/signup HTTP/1.1', [json, 'Content-Length: 2', 'Content-Length: 3'], '{}')),
		raw(request('POST /api/signup HTTP/1.1', [json, 'Content-Length: 2', 'Origin: null'], '{}')),
		raw(request('POST /api/signup HTTP/1.1', [json, 'Content-Length: 2', 'Origin: %%%'], '{}')),
		raw(request('GET /api/me HTTP/1.1', [`Cookie: ${cookie}`, 'X-Forwarded-For: ,,,, , %, \u00ff'])),
		...CUT_SHORT.map((text) => rawRequest(port, text, true)),
		// Bodies.
		...[
			'{',
			'null',
			'[]',
			'"x"',
			'1e999999',
			'{"username":123}',
			'{"username":{},"password":[]}',
			'{"__proto__":{"admin":true},"username":"x"}',
			'\u00ff\u00fe',
			'{"username":"a\\ud800","email":"x","password":"y"}'
		].flatMap((body) =>
			['/api/signup', '/api/signin', '/api/me/password', '/api/cards', '/api/managed-users'].map((path) =>
				raw(withBody(path, body, [json, `Cookie: ${cookie}`]))
			)
		),
		raw(withBody('/api/signup', '['.repeat(60_000))),
		raw(withBody('/api/signup', `{"username":"${'u'.repeat(70_000)}"}`)),
		...['', 'Content-Type: text/plain', 'Content-Type: application/jsonx', 'Content-Type: multipart/form-data; boundary=x'].map((type) =>
			raw(withBody('/api/signup', '{}', type ? [type] : []))
		),
		// Upgrades.
		upgrade('/sync', ['Origin: null']),
		upgrade('/sync', ['Origin: http://evil.example']),
		upgrade('/sync', ['Origin: %%%', `Cookie: ${cookie}`]),
		upgrade('/sync?%'),
		upgrade('/SYNC'),
		upgrade('/api/me'),
		upgrade('/sync', ['Sec-WebSocket-Protocol: a, a']),
		upgrade('/sync', ['Sec-WebSocket-Extensions: permessage-deflate; =']),
		upgrade('/sync', [`Cookie: ${cookie}`], (text) => `${text}\x81\x05hello`),
		upgrade('/sync', [`Cookie: ${cookie}`], (text) => `${text}\x88\x80\x00\x00\x00\x00`),
		upgrade('/sync', [], (text) => text.replace('dGhlIHNhbXBsZSBub25jZQ==', 'short')),
		upgrade('/sync', [], (text) => text.replace(/Sec-WebSocket-Key: .*\n/, '')),
		upgrade('/sync', [], (text) => text.replace('Version: 13', 'Version: 12')),
		upgrade('/sync', [], (text) => text.replace('Version: 13', 'Version: abc')),
		upgrade('/sync', [], (text) => text.replace('Upgrade: websocket', 'Upgrade: h2c')),
		upgrade('/sync', [], (text) => text.replace('GET', 'POST'))
	];
}

let t: TestServer;
let staticDir: string;

/** Row counts of every table: the storm may change none of them. */
async function tableCounts() {
	const names = await tables(t.server);
	const counts = await Promise.all(names.map((name) => row(t.server, `select cast(count(*) as integer) as n from "${name}"`)));
	return Object.fromEntries(names.map((name, i) => [name, counts[i]!.n]));
}

describe('a storm of malformed requests', () => {
	beforeEach(async () => {
		staticDir = mkdtempSync(join(tmpdir(), 'roster-static-'));
		writeFileSync(join(staticDir, 'index.html'), 'INDEX');
		writeFileSync(join(staticDir, 'favicon.svg'), '<svg/>');
		t = await new TestServer({ staticDir }).start();
	});

	afterEach(async () => {
		vi.restoreAllMocks();
		await t.stop();
		rmSync(staticDir, { recursive: true, force: true });
	});

	it('answers each with a refusal of its own, logs it on one line, and changes nothing', async () => {
		const alice = await t.user('alice');
		expect(await alice.client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject({ ok: true });
		const before = await tableCounts();
		const log = vi.spyOn(console, 'error').mockImplementation(() => {});

		const answers: (RawAnswer & { hungUp?: true })[] = [];
		for (let round = 0; round < 2; round++) answers.push(...(await Promise.all(storm(t.server.port, alice.cookie))));
		expect(answers.length).toBeGreaterThan(300);

		for (const a of answers) {
			// No request is the server's failure; every refusal says what was wrong, as JSON, with the security headers.
			expect(a.status, a.head).toBeLessThan(500);
			if (a.status >= 400 && a.body) {
				expect(JSON.parse(a.body), a.head).toMatchObject({ code: expect.any(String), message: expect.any(String) });
				expect(a.head).toMatch(/^x-content-type-options: nosniff$/im);
				expect(a.head).toMatch(/^content-security-policy: .*frame-ancestors 'none'/im);
			}
		}
		// Unanswered: only what was cut short, and upgrades whose client hung up before the answer.
		expect(answers.filter((a) => a.status === 0 && !a.hungUp).length).toBeLessThanOrEqual(CUT_SHORT.length * 2);
		for (const call of log.mock.calls) {
			expect(call, String(call.at(-1))).toHaveLength(1);
			expect(call[0]).toMatch(/^refused [^\n]*$/);
		}
		log.mockRestore();

		expect(await tableCounts()).toEqual(before);
		// Still answering: sign-up, sign-in, and a verdict over a new websocket; the open one carries on too.
		const carol = await signUp(t.base, 'carol');
		expect((await post(t.base, '/api/signin', { username: 'alice', password: PASSWORD })).status).toBe(200);
		const client = await t.connect(carol.cookie);
		expect(await client.mutate({ type: 'org.create', orgId: 'carols', name: 'Carol' })).toMatchObject({ ok: true });
		expect(await alice.client.mutate({ type: 'org.rename', orgId: 'acme', name: 'Acme 2' })).toMatchObject({ ok: true });
	}, 120_000);
});

describe('requests that once stopped the process', () => {
	let child: Awaited<ReturnType<typeof childServer>>;
	beforeEach(async () => {
		child = await childServer();
	});
	afterEach(() => child.stop());

	async function stillAnswers() {
		expect((await fetch(`http://127.0.0.1:${child.port}/api/me`)).status).toBe(401);
		expect(child.running()).toBe(true);
	}

	it('an upgrade with an undecodable session cookie is closed as not signed in', async () => {
		const ws = new WebSocket(`ws://127.0.0.1:${child.port}/sync`, { headers: { cookie: 'roster_session=%E0%A4%A' } });
		ws.on('error', () => {});
		expect(await new Promise<number>((res) => ws.on('close', (code) => res(code)))).toBe(CLOSE.unauthenticated.code);
		await stillAnswers();
	}, 20_000);

	it('a refused websocket that then sends a frame ws cannot read (no session, foreign Origin) is dropped', async () => {
		// An unmasked frame with a reserved opcode, right behind the handshake: read after the server's close.
		const junk = (text: string) => `${text}\x83\x00`;
		expect((await rawRequest(child.port, junk(upgradeRequest('/sync')), true)).status).toBe(101);
		expect((await rawRequest(child.port, junk(upgradeRequest('/sync', ['Origin: http://evil.example'])), true)).status).toBe(101);
		await stillAnswers();
	}, 20_000);

	it('an upgrade to "//" is refused with 404', async () => {
		const answer = await rawRequest(child.port, upgradeRequest('//'), true);
		expect(answer.status).toBe(404);
		expect(JSON.parse(answer.body)).toMatchObject({ code: 'NOT_FOUND' });
		await stillAnswers();
	}, 20_000);
});
