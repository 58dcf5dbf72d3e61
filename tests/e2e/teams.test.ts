import { afterAll, beforeAll, expect, it } from 'vitest';
import { E2E } from './harness.ts';

const e2e = new E2E();
beforeAll(() => e2e.start());
afterAll(() => e2e.stop());

it('an owner creates a team, adds members, renames it, is refused a duplicate name, and deletes it', async () => {
	const ann = await e2e.signUp(await e2e.context(), 'ann');
	await (await e2e.signUp(await e2e.context(), 'bob')).context().close();
	await e2e.createOrg(ann, 'Acme Data');
	await e2e.addMember(ann, 'bob');
	await e2e.row(ann, 'bob').waitFor();

	await ann.getByRole('link', { name: 'Teams' }).click();
	const create = ann.getByRole('form', { name: 'Create a team' });
	await create.getByLabel('Team name').fill('Ops');
	await create.getByRole('button', { name: 'Create team' }).click();
	const ops = ann.locator('[data-testid=team][data-team="Ops"]');
	await ops.waitFor();
	await ops.getByLabel('Add a member to Ops').selectOption({ label: 'bob' });
	await ops.getByRole('button', { name: 'Add to team' }).click();
	await expect.poll(() => ops.getByRole('listitem').allTextContents()).toEqual([expect.stringContaining('bob')]);

	await ops.getByRole('button', { name: 'Rename' }).click();
	await ann.getByRole('dialog', { name: 'Rename team' }).getByLabel('New name').fill('Operations');
	await ann.getByRole('button', { name: 'Rename team' }).click();
	const operations = ann.locator('[data-testid=team][data-team="Operations"]');
	await operations.waitFor();

	// Names are unique ignoring case and spaces: the server refuses, and the UI says why.
	await create.getByLabel('Team name').fill('  operations ');
	await create.getByRole('button', { name: 'Create team' }).click();
	const refused = ann.locator('[data-testid=outbox-entry][data-status=refused]');
	await refused.waitFor();
	expect(await refused.textContent()).toContain('There is already a team called “Operations”');
	await refused.getByRole('button', { name: 'Discard' }).click();

	await operations.getByRole('button', { name: 'Delete' }).click();
	await ann.getByRole('dialog', { name: 'Delete team' }).getByRole('button', { name: 'Delete team' }).click();
	await expect.poll(() => operations.count()).toBe(0);
	await ann.getByRole('link', { name: 'Members' }).click();
	await e2e.row(ann, 'bob').waitFor();
});
