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

	await ops.getByRole('button', { name: 'More actions for team Ops' }).click();
	await ann.getByRole('menuitem', { name: 'Rename' }).click();
	await ann.getByRole('dialog', { name: 'Rename team' }).getByLabel('New name').fill('Operations');
	await ann.getByRole('button', { name: 'Rename team' }).click();
	const operations = ann.locator('[data-testid=team][data-team="Operations"]');
	await operations.waitFor();

	// Names are unique ignoring case and spaces: refused at the field before anything is sent, the input kept.
	const field = create.getByLabel('Team name');
	await field.fill('  operations ');
	await create.getByRole('button', { name: 'Create team' }).click();
	await expect.poll(() => create.getByRole('alert').textContent()).toContain('There is already a team called “Operations”');
	expect(await field.inputValue()).toBe('  operations ');
	expect(await field.getAttribute('aria-invalid')).toBe('true');
	expect(await field.evaluate((el) => el === document.activeElement)).toBe(true);
	const described = await field.getAttribute('aria-describedby');
	expect(await ann.locator(`[id="${described}"]`).textContent()).toContain('There is already a team called');
	expect(await ann.getByTestId('outbox-entry').count()).toBe(0);

	// The rename dialog too stays open with the refusal at its field.
	await field.fill('Web');
	await create.getByRole('button', { name: 'Create team' }).click();
	const web = ann.locator('[data-testid=team][data-team="Web"]');
	await web.waitFor();
	expect(await field.inputValue()).toBe('');
	await web.getByRole('button', { name: 'More actions for team Web' }).click();
	await ann.getByRole('menuitem', { name: 'Rename' }).click();
	const rename = ann.getByRole('dialog', { name: 'Rename team' });
	await rename.getByLabel('New name').fill('OPERATIONS');
	await rename.getByRole('button', { name: 'Rename team' }).click();
	await expect.poll(() => rename.getByRole('alert').textContent()).toContain('There is already a team called “Operations”');
	expect(await rename.isVisible()).toBe(true);
	expect(await rename.getByLabel('New name').inputValue()).toBe('OPERATIONS');
	expect(await ann.getByTestId('outbox-entry').count()).toBe(0);
	await rename.getByRole('button', { name: 'Cancel' }).click();
	expect(await web.count()).toBe(1);

	await operations.getByRole('button', { name: 'More actions for team Operations' }).click();
	await ann.getByRole('menuitem', { name: 'Delete team' }).click();
	const del = ann.getByRole('dialog', { name: 'Delete team' });
	expect(await del.textContent()).toContain('bob leaves team Operations.');
	await del.getByRole('button', { name: 'Delete team' }).click();
	await expect.poll(() => operations.count()).toBe(0);
	await ann.getByRole('link', { name: 'Members' }).click();
	await e2e.row(ann, 'bob').waitFor();
});

it('an invitee is placed in teams from the invitation or the team card, listed as invited, and the invitation cancelled', async () => {
	const ann = await e2e.signUp(await e2e.context(), 'amy');
	await e2e.createOrg(ann, 'Invites Inc');
	await ann.getByRole('link', { name: 'Teams' }).click();
	const create = ann.getByRole('form', { name: 'Create a team' });
	for (const name of ['Ops', 'Dev']) {
		await create.getByLabel('Team name').fill(name);
		await create.getByRole('button', { name: 'Create team' }).click();
		await ann.locator(`[data-testid=team][data-team="${name}"]`).waitFor();
	}
	await ann.getByRole('link', { name: 'Members' }).click();
	await ann.getByRole('form', { name: 'Add members' }).getByRole('group', { name: /Teams/ }).getByLabel('Ops').check();
	await e2e.addMember(ann, 'sam@example.org', 'Project Creator');
	const invite = ann.locator('[data-testid=invitation-row][data-email="sam@example.org"]');
	await expect.poll(() => invite.textContent()).toMatch(/invite sent.*Project Creator/s);
	expect(await invite.textContent()).toContain('teams: Ops');

	await ann.getByRole('link', { name: 'Teams' }).click();
	const ops = ann.locator('[data-testid=team][data-team="Ops"]');
	const dev = ann.locator('[data-testid=team][data-team="Dev"]');
	await expect.poll(() => ops.getByTestId('team-invitee').textContent()).toContain('sam@example.org');
	await dev.getByLabel('Add a member to Dev').selectOption({ label: 'sam@example.org' });
	await dev.getByRole('button', { name: 'Add to team' }).click();
	await expect.poll(() => dev.getByTestId('team-invitee').count()).toBe(1);
	await ops.getByRole('button', { name: 'More actions for sam@example.org in Ops' }).click();
	await ann.getByRole('menuitem', { name: 'Remove from team' }).click();
	await ann.getByRole('dialog', { name: 'Remove from team' }).getByRole('button', { name: 'Remove' }).click();
	await expect.poll(() => ops.getByTestId('team-invitee').count()).toBe(0);

	await ann.getByRole('link', { name: 'Members' }).click();
	await expect.poll(() => invite.textContent()).toContain('teams: Dev');
	await ann.getByRole('button', { name: 'Cancel invite for sam@example.org' }).click();
	await expect.poll(() => invite.count()).toBe(0);
	await ann.context().close();
});

it('removing a member or deleting a team asks first, saying who loses which project access; Cancel changes nothing', async () => {
	const ann = await e2e.signUp(await e2e.context(), 'ada');
	await (await e2e.signUp(await e2e.context(), 'ben')).context().close();
	await e2e.createOrg(ann, 'Billing Co');
	await e2e.addMember(ann, 'ben');
	await e2e.row(ann, 'ben').waitFor();
	await ann.getByRole('link', { name: 'Teams' }).click();
	await ann.getByRole('form', { name: 'Create a team' }).getByLabel('Team name').fill('Payments');
	await ann.getByRole('form', { name: 'Create a team' }).getByRole('button', { name: 'Create team' }).click();
	const team = ann.locator('[data-testid=team][data-team="Payments"]');
	await team.getByLabel('Add a member to Payments').selectOption({ label: 'ben' });
	await team.getByRole('button', { name: 'Add to team' }).click();
	// The choice is dropped once added: the control shows what is saved, not a value left behind.
	await expect.poll(() => team.getByRole('listitem').allTextContents()).toEqual([expect.stringContaining('ben')]);
	await expect.poll(() => team.getByLabel('Add a member to Payments').inputValue()).toBe('');

	await ann.getByRole('link', { name: 'Projects' }).click();
	await ann.getByLabel('Project name').fill('billing-prod');
	await ann.getByRole('button', { name: 'Create project' }).click();
	await ann.getByRole('form', { name: 'Add a team' }).getByRole('combobox').selectOption({ label: 'Payments' });
	await ann.getByRole('group', { name: 'Roles for the team to add' }).getByLabel('Owner').check();
	await ann.getByRole('button', { name: 'Add team' }).click();
	await ann.locator('[data-testid=project-team][data-team="Payments"]').waitFor();
	await ann.getByRole('link', { name: 'Teams' }).click();

	await team.getByRole('button', { name: 'More actions for ben in Payments' }).click();
	await ann.getByRole('menuitem', { name: 'Remove from team' }).click();
	const remove = ann.getByRole('dialog', { name: 'Remove from team' });
	expect(await remove.textContent()).toContain('ben loses Owner, Read only on billing-prod (through team Payments).');
	await remove.getByRole('button', { name: 'Cancel' }).click();
	expect(await team.getByRole('listitem').filter({ hasText: 'ben' }).count()).toBe(1);
	expect(await ann.getByTestId('outbox-entry').count()).toBe(0);

	await team.getByRole('button', { name: 'More actions for team Payments' }).click();
	await ann.getByRole('menuitem', { name: 'Delete team' }).click();
	const del = ann.getByRole('dialog', { name: 'Delete team' });
	expect(await del.textContent()).toContain('ben leaves team Payments.');
	expect(await del.textContent()).toContain('ben loses Owner, Read only on billing-prod (through team Payments).');
	await del.getByRole('button', { name: 'Cancel' }).click();
	expect(await team.count()).toBe(1);

	await team.getByRole('button', { name: 'More actions for ben in Payments' }).click();
	await ann.getByRole('menuitem', { name: 'Remove from team' }).click();
	await remove.getByRole('button', { name: 'Remove' }).click();
	await expect.poll(() => team.getByRole('listitem').filter({ hasText: 'ben' }).count()).toBe(0);
	await ann.context().close();
});
