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

it('a member asks to join from a link; an owner sees the request after the members and approves it', async () => {
	const projectUrl = new URL(ann.url()).pathname;
	const bob = await e2e.context().then((c) => c.newPage());
	await bob.goto('/signin');
	await bob.getByLabel('Username').fill('bob');
	await bob.getByLabel('Password').fill('correct horse battery');
	await bob.getByRole('button', { name: 'Sign in' }).click();
	await bob.waitForURL('**/orgs');
	// bob reaches Apollo only through team Ops; take him out of the team so he cannot see it.
	await ann.getByRole('button', { name: 'Remove team Ops from the project' }).click();
	await expect.poll(() => ann.locator('[data-testid=project-team]').count()).toBe(0);

	await bob.goto(projectUrl);
	await bob.getByRole('heading', { name: 'Project not available' }).waitFor();
	await bob.getByRole('button', { name: 'Ask to join' }).click();
	await expect.poll(() => bob.getByTestId('sync-status').textContent()).toMatch(/Online$/);

	const request = ann.locator('[data-testid=join-request][data-username=bob]');
	await request.waitFor();
	await request.getByRole('group', { name: 'Roles for bob' }).getByLabel('Cluster Manager').check();
	await request.getByRole('button', { name: 'Approve' }).click();
	await expect.poll(() => user('bob').textContent()).toContain('individually: Cluster Manager, Read only');
	expect(await request.count()).toBe(0);
	// The document reaches bob's open page at once: he now sees the project.
	await bob.getByRole('heading', { name: /Apollo/ }).waitFor();
	await bob.context().close();
});
