import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { orgWith, serverForEachTest } from './fixtures.ts';
import { createAccount, createSecret } from './service-account-client.ts';

const t = serverForEachTest();
const root = join(import.meta.dirname, '../..');
let child: ChildProcess | undefined;
afterEach(() => {
	child?.kill();
	child = undefined;
});

/** The script of docs/yjs-dashboard.md, as written there. */
function dashboardScript(): string {
	const doc = readFileSync(join(root, 'docs/yjs-dashboard.md'), 'utf8');
	const script = /```js\n([\s\S]*?)```/.exec(doc)?.[1];
	if (!script) throw new Error('no script in docs/yjs-dashboard.md');
	return script;
}

describe('docs/yjs-dashboard.md', () => {
	it('its dashboard follows the organization with a stock provider and stops when its secret is revoked', async () => {
		const { alice } = await orgWith(t, {});
		const userId = await createAccount(t, alice.cookie, { username: 'dash-bot', role: 'ORG_READ_ONLY' });
		const { secret, secretId } = await createSecret(t, alice.cookie, userId);
		const env = { ...process.env, ROSTER_URL: `ws://127.0.0.1:${t.server.port}`, ROSTER_DOC: 'org:acme', ROSTER_SECRET: secret };
		// Evaluated in the repository, whose node_modules hold yjs, y-websocket and ws.
		const run = spawn(process.execPath, ['--input-type=module', '--eval', dashboardScript()], { cwd: root, env });
		child = run;
		let output = '';
		const waiters = new Set<() => void>();
		run.stdout.on('data', (d: Buffer) => {
			output += d.toString();
			for (const w of [...waiters]) w();
		});
		const printed = (text: string) =>
			new Promise<void>((resolve) => {
				const check = () => output.includes(text) && (waiters.delete(check), resolve());
				waiters.add(check);
				check();
			});
		const exited = new Promise<number | null>((resolve) => run.on('exit', resolve));

		await printed('alice (ORG_OWNER)');
		await t.user('carol');
		expect(await alice.client.mutate({ orgId: 'acme', type: 'member.add', username: 'carol', role: 'ORG_MEMBER' })).toMatchObject({
			ok: true
		});
		await printed('carol (ORG_MEMBER)');
		expect(await alice.client.mutate({ type: 'serviceAccount.revokeSecret', orgId: 'acme', userId, secretId })).toMatchObject({ ok: true });
		await printed('closed: 4401 Service account secret revoked or expired');
		expect(await exited).toBe(0);
	});
});
