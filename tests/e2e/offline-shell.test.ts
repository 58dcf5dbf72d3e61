import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_PASSWORD_COST } from '../server/test-client.ts';
import { E2E } from './harness.ts';

const e2e = new E2E();
beforeAll(() => e2e.start());
afterAll(() => e2e.stop());

it('reloads offline from the cached shell and IndexedDB, queues edits, and sends them when the server is back', async () => {
	const context = await e2e.context({ serviceWorkers: 'allow' });
	await (await e2e.signUp(await e2e.context(), 'zoe')).context().close();
	const page = await e2e.signUp(context, 'yan');
	const orgId = await e2e.createOrg(page, 'Offline Co');
	await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));

	// Stop the server: the browser now truly cannot reach it (setOffline would not stop the service worker).
	const port = e2e.server.port;
	await e2e.server.close();
	await page.reload();
	await page.getByRole('heading', { name: 'Offline Co' }).waitFor();
	await expect.poll(() => page.getByTestId('sync-status').textContent()).toContain('Offline');

	await e2e.addMember(page, 'zoe');
	await expect.poll(() => e2e.row(page, 'zoe').textContent()).toContain('pending');

	const { startServer } = await import('../../sync-server/server.ts');
	e2e.server = await startServer({ dataDir: e2e.dataDir, port, passwordCost: TEST_PASSWORD_COST });
	await expect.poll(() => e2e.row(page, 'zoe').textContent(), { timeout: 20_000 }).not.toContain('pending');
	// The update can show a moment before its verdict clears the outbox.
	await expect.poll(() => page.getByTestId('sync-status').textContent()).toMatch(/Online$/);
	expect(new URL(page.url()).pathname).toBe(`/orgs/${orgId}`);
});
