import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { E2E } from './harness.ts';

const e2e = new E2E();
let ann: Page;
beforeAll(async () => {
	await e2e.start();
	ann = await e2e.signUp(await e2e.context(), 'ann');
	for (const name of ['bob', 'carol']) await (await e2e.signUp(await e2e.context(), name)).context().close();
	await e2e.createOrg(ann, 'Acme Data');
	await e2e.addMember(ann, 'bob');
	await e2e.row(ann, 'bob').waitFor();
	await ann.getByRole('link', { name: 'Teams' }).click();
	await ann.getByLabel('Team name').fill('Ops');
	await ann.getByRole('button', { name: 'Create team' }).click();
	const ops = ann.locator('[data-testid=team][data-team="Ops"]');
	await ops.getByLabel('Add a member to Ops').selectOption({ label: 'bob' });
	await ops.getByRole('button', { name: 'Add to team' }).click();
	await ops.getByRole('listitem').waitFor();
});
afterAll(() => e2e.stop());

const user = (name: string) => ann.locator(`[data-testid=project-user][data-username="${name}"]`);
const refused = () => ann.locator('[data-testid=outbox-entry][data-status=refused]');

it('adds users (several at once, each answered on its own) and a team, with roles and where they come from', async () => {
	await ann.getByRole('link', { name: 'Projects' }).click();
	await ann.getByLabel('Project name').fill('Apollo');
	await ann.getByRole('button', { name: 'Create project' }).click();
	await ann.getByRole('heading', { name: /Apollo/ }).waitFor();

	await ann.getByRole('textbox', { name: /Add users/ }).fill('carol, nobody');
	await ann.getByRole('button', { name: 'Add users' }).click();
	await user('carol').waitFor();
	await refused().waitFor();
	expect(await refused().textContent()).toContain('No Roster user is called “nobody”');
	await refused().getByRole('button', { name: 'Discard' }).click();

	await ann.getByRole('form', { name: 'Add a team' }).getByRole('combobox').selectOption({ label: 'Ops' });
	await ann.getByRole('group', { name: 'Roles for the team to add' }).getByLabel('Cluster Manager').check();
	await ann.getByRole('button', { name: 'Add team' }).click();
	await user('bob').waitFor();
	await expect.poll(() => user('bob').textContent()).toContain('via team Ops: Cluster Manager, Read only');
	// carol joined the organization by being added to the project.
	await ann.getByRole('link', { name: 'Members' }).click();
	await e2e.row(ann, 'carol').waitFor();
	await ann.goBack();
});

it('edits roles, and refuses to remove the last owner with a sentence naming the project', async () => {
	const carolRoles = ann.getByRole('group', { name: 'Roles of carol' });
	await carolRoles.getByLabel('Owner').check();
	await carolRoles.getByRole('button', { name: 'Save roles' }).click();
	await expect.poll(() => user('carol').textContent()).toContain('individually: Owner, Read only');

	await ann.getByRole('button', { name: 'Remove carol from the project' }).click();
	await ann.getByRole('dialog', { name: 'Remove from project' }).getByRole('button', { name: 'Remove' }).click();
	await expect.poll(() => user('carol').count()).toBe(0);

	await ann.getByRole('button', { name: 'Remove ann from the project' }).click();
	await ann.getByRole('dialog', { name: 'Remove from project' }).getByRole('button', { name: 'Remove' }).click();
	await refused().waitFor();
	expect(await refused().textContent()).toContain('Project Apollo would have no owner: add another owner first.');
	expect(await user('ann').count()).toBe(1);
});
