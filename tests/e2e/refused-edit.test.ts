import { afterAll, beforeAll, expect, it } from 'vitest';
import { E2E, send } from './harness.ts';

const e2e = new E2E();
beforeAll(() => e2e.start());
afterAll(() => e2e.stop());

it('a queued change refused on reconnect is worded again from the pending panel and sent as a new change in one step', async () => {
	const ann = await e2e.signUp(await e2e.context(), 'ann');
	const bob = await e2e.signUp(await e2e.context(), 'bob');
	const orgId = await e2e.createOrg(ann, 'Rename Co');
	expect(await send(ann, { type: 'member.add', orgId, username: 'bob', role: 'ORG_OWNER' })).toBe('ok');
	await ann.getByRole('link', { name: 'Teams' }).click();
	const create = ann.getByRole('form', { name: 'Create a team' });

	await ann.context().setOffline(true);
	await expect.poll(() => ann.getByTestId('sync-status').textContent()).toContain('Offline');
	await create.getByLabel('Team name').fill('Ops');
	await create.getByRole('button', { name: 'Create team' }).click();
	const entry = ann.getByTestId('outbox-entry');
	await expect.poll(() => entry.getAttribute('data-status')).toBe('pending');

	// Meanwhile bob takes the name.
	expect(await send(bob, { type: 'team.create', orgId, teamId: crypto.randomUUID(), name: 'Ops' })).toBe('ok');
	await ann.context().setOffline(false);
	await expect.poll(() => entry.getAttribute('data-status'), { timeout: 20_000 }).toBe('refused');
	expect(await entry.getByRole('alert').textContent()).toBe('There is already a team called “Ops”.');
	expect(await entry.getByRole('button', { name: 'Retry' }).count()).toBe(0);

	// Edit…: the change's own field, prefilled, checked against what is saved now.
	await entry.getByRole('button', { name: 'Edit…' }).click();
	const edit = entry.getByRole('form', { name: 'Edit the refused change' });
	const name = edit.getByLabel('Name');
	expect(await name.inputValue()).toBe('Ops');
	await expect.poll(() => edit.getByRole('status').textContent()).toBe('Would be refused: There is already a team called “Ops”.');
	await name.fill('Ops 2');
	await expect.poll(() => edit.getByRole('status').count()).toBe(0);
	await edit.getByRole('button', { name: 'Send as a new change' }).click();

	// The refused entry is gone, the new one saved: both teams exist, once each.
	await expect.poll(() => ann.getByTestId('outbox-entry').count()).toBe(0);
	await expect.poll(() => ann.locator('[data-testid=team][data-team="Ops 2"]').count()).toBe(1);
	expect(await ann.locator('[data-testid=team][data-team="Ops"]').count()).toBe(1);
});
