import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { E2E } from './harness.ts';

const e2e = new E2E();
let ann: Page;

/** Creates a team from the Teams page and adds members to it. */
async function team(name: string, members: string[]) {
	await ann.getByRole('link', { name: 'Teams' }).click();
	await ann.getByRole('form', { name: 'Create a team' }).getByLabel('Team name').fill(name);
	await ann.getByRole('form', { name: 'Create a team' }).getByRole('button', { name: 'Create team' }).click();
	const card = ann.locator(`[data-testid=team][data-team="${name}"]`);
	for (const username of members) {
		await card.getByLabel(`Add a member to ${name}`).selectOption({ label: username });
		await card.getByRole('button', { name: 'Add to team' }).click();
		await card.getByRole('listitem').filter({ hasText: username }).waitFor();
	}
}

/** Assigns a team to the open project as its owner (Read only comes ticked). */
async function ownerTeam(name: string) {
	await ann.getByRole('form', { name: 'Add a team' }).getByRole('combobox').selectOption({ label: name });
	await ann.getByRole('group', { name: 'Roles for the team to add' }).getByLabel('Owner').check();
	await ann.getByRole('button', { name: 'Add team' }).click();
	await ann.locator(`[data-testid=project-team][data-team="${name}"]`).waitFor();
}

beforeAll(async () => {
	({
		pages: { ann }
	} = await e2e.startWithOrg('Acme Data', ['ann'], ['bob', 'carol']));
	await e2e.addMember(ann, 'bob, carol');
	await e2e.row(ann, 'carol').waitFor();
	await e2e.row(ann, 'bob').waitFor();
	await team('Ops', ['bob', 'carol']);
	await team('Dev', ['carol']);
	await ann.getByRole('link', { name: 'Projects' }).click();
	await ann.getByLabel('Project name').fill('billing-prod');
	await ann.getByRole('button', { name: 'Create project' }).click();
	await ann.getByRole('heading', { name: /billing-prod/ }).waitFor();
	await ownerTeam('Ops');
	await ownerTeam('Dev');
});
afterAll(() => e2e.stop());

it('removing a team from a project names who loses what (not who keeps it through another team); Cancel changes nothing', async () => {
	const teams = ann.locator('[data-testid=project-team]');
	await ann.getByRole('button', { name: 'More actions for team Ops' }).click();
	await ann.getByRole('menuitem', { name: 'Remove from project' }).click();
	const dialog = ann.getByRole('dialog', { name: 'Remove team from project' });
	const changes = dialog.getByTestId('access-changes');
	expect(await changes.getByRole('listitem').allTextContents()).toEqual(['bob loses Owner, Read only on billing-prod (through team Ops).']);
	// carol stays an owner through Dev.
	expect(await changes.textContent()).not.toContain('carol');
	await dialog.getByRole('button', { name: 'Cancel' }).click();
	expect(await dialog.isVisible()).toBe(false);
	expect(await teams.count()).toBe(2);
	expect(await ann.getByTestId('outbox-entry').count()).toBe(0);
	await expect
		.poll(() => ann.locator('[data-testid=project-user][data-username="bob"]').textContent())
		.toMatch(/Owner\s*Read only\s*via team Ops/);
});

it('the pending panel previews what the queued changes would do, checked against what is saved', async () => {
	await ann.context().setOffline(true);
	await expect.poll(() => ann.getByTestId('sync-status').textContent()).toContain('Offline');
	await ann.getByRole('button', { name: 'More actions for team Ops' }).click();
	await ann.getByRole('menuitem', { name: 'Remove from project' }).click();
	await ann.getByRole('dialog', { name: 'Remove team from project' }).getByRole('button', { name: 'Remove team' }).click();
	await ann.getByTestId('outbox-entry').waitFor();

	const preview = ann.getByTestId('outbox-preview');
	await preview.getByText('Preview').click();
	await expect
		.poll(() => preview.getByTestId('access-changes').getByRole('listitem').allTextContents())
		.toEqual(['bob loses Owner, Read only on billing-prod (through team Ops).']);

	await ann.context().setOffline(false);
	await expect.poll(() => ann.getByTestId('outbox-entry').count()).toBe(0);
	expect(await ann.locator('[data-testid=project-team]').count()).toBe(1);
});
