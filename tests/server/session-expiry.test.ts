import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../sync-server/server.ts';
import { TEST_PASSWORD_COST, TestClient, signUp } from './test-client.ts';

let server: RunningServer | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'roster-expiry-'));
afterEach(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

it('closes an open socket with 4401 once its session is past its maximum age', async () => {
	let now = Date.now();
	server = await startServer({ dataDir, port: 0, passwordCost: TEST_PASSWORD_COST, now: () => now });
	const { cookie } = await signUp(`http://127.0.0.1:${server.port}`, 'alice');
	const client = await TestClient.connect(server.port, cookie);
	expect(await client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject({ ok: true });

	now += 31 * 24 * 3600 * 1000;
	client.send({ t: 'mutate', id: 'after-expiry-1', mutation: { type: 'org.rename', orgId: 'acme', name: 'Late' } });
	expect(await client.closed).toEqual({ code: 4401, reason: 'Not signed in' });
	expect(server.store.mutation(client.welcome().user.id, 'after-expiry-1')).toBeUndefined();
});
