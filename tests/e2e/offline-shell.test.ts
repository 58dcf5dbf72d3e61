import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_PASSWORD_COST } from '../server/test-client.ts';
import { E2E, send } from './harness.ts';

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

it('a queued change refused on reconnect stays in the pending panel, says what happened meanwhile, and offers no Retry that cannot succeed', async () => {
	const bob = await e2e.signUp(await e2e.context(), 'bob');
	const ann = await e2e.signUp(await e2e.context(), 'ann');
	const orgId = await e2e.createOrg(bob, 'Meanwhile Co');
	expect(await send(bob, { type: 'member.add', orgId, username: 'ann', role: 'ORG_OWNER' })).toBe('ok');
	const annId = await ann.evaluate(() => (JSON.parse(localStorage.getItem('roster.user')!) as { id: string }).id);
	await ann.getByRole('link', { name: 'Meanwhile Co' }).click();
	await ann.getByRole('link', { name: 'Teams' }).click();
	const create = ann.getByRole('form', { name: 'Create a team' });

	await ann.context().setOffline(true);
	await expect.poll(() => ann.getByTestId('sync-status').textContent()).toContain('Offline');
	await create.getByLabel('Team name').fill('Ops');
	await create.getByRole('button', { name: 'Create team' }).click();
	const entry = ann.getByTestId('outbox-entry');
	await expect.poll(() => entry.getAttribute('data-status')).toBe('pending');

	// Meanwhile bob makes ann read-only, which may not create teams.
	expect(await send(bob, { type: 'member.setRole', orgId, userId: annId, role: 'ORG_READ_ONLY' })).toBe('ok');
	await ann.context().setOffline(false);

	await expect.poll(() => entry.getAttribute('data-status'), { timeout: 20_000 }).toBe('refused');
	await expect
		.poll(() => entry.getByTestId('meanwhile').textContent())
		.toMatch(/^Meanwhile bob made this change \(.+\): Make you Read Only\.$/);
	expect(await entry.textContent()).toContain('Sending it again would be refused again');
	expect(await entry.getByRole('button', { name: 'Retry' }).count()).toBe(0);
	await entry.getByRole('button', { name: 'Discard' }).click();
	await expect.poll(() => entry.count()).toBe(0);
});
