import { describe, expect, it } from 'vitest';
import { acmeOfAnnAndBob, send } from './harness.ts';

const acme = acmeOfAnnAndBob();
const { e2e } = acme;

describe('expiring access (rules §6)', () => {
	it('an owner sets an expiry on a membership: a past day is refused at the field, a future one is shown to everyone', async () => {
		await e2e.addMember(acme.ann, 'bob', 'Project Creator');
		const row = e2e.row(acme.ann, 'bob');
		const menu = await e2e.rowMenu(acme.ann, 'bob');
		await menu.getByRole('menuitem', { name: 'Set expiry…' }).click();
		const dialog = acme.ann.getByRole('dialog', { name: "Expiry of bob's membership" });
		const day = dialog.getByLabel('Ends at the start of (UTC)');

		await day.fill('2020-01-01');
		await dialog.getByRole('button', { name: 'Save' }).click();
		await dialog.getByRole('alert').filter({ hasText: 'Choose a moment in the future' }).waitFor();
		expect(await day.getAttribute('aria-invalid')).toBe('true');

		await day.fill('2040-03-01');
		await dialog.getByLabel('Then').selectOption({ label: 'Member' });
		await dialog.getByRole('button', { name: 'Save' }).click();
		await dialog.waitFor({ state: 'hidden' });
		await expect.poll(() => row.getByTestId('expiry').innerText()).toContain('until 1 March 2040, then Member');

		// bob sees it on his own row, with no control to change it.
		await acme.bob.goto(`/orgs/${acme.orgId}`);
		const own = e2e.row(acme.bob, 'bob').getByTestId('expiry');
		await expect.poll(() => own.innerText()).toContain('until 1 March 2040, then Member');
		expect(await own.getByRole('button').count()).toBe(0);
	});

	it("an owner sets an expiry on a team's roles in a project, shown on the team's row", async () => {
		const { ann, orgId } = acme;
		expect(await send(ann, { type: 'team.create', orgId, teamId: 't-ops', name: 'Ops' })).toBe('ok');
		expect(await send(ann, { type: 'project.create', orgId, projectId: 'p-apollo', name: 'Apollo' })).toBe('ok');
		const roles = ['PROJECT_CLUSTER_MANAGER', 'PROJECT_READ_ONLY'];
		expect(await send(ann, { type: 'project.addTeam', orgId, projectId: 'p-apollo', teamId: 't-ops', roles })).toBe('ok');
		await ann.goto(`/orgs/${orgId}/projects/p-apollo`);
		const row = ann.locator('[data-testid=project-team][data-team="Ops"]');
		await row.getByRole('button', { name: 'More actions for team Ops' }).click();
		await ann.getByRole('menuitem', { name: 'Set expiry…' }).click();
		const dialog = ann.getByRole('dialog', { name: "Expiry of team Ops's roles in Apollo" });
		await dialog.getByLabel('Ends at the start of (UTC)').fill('2040-03-01');
		await dialog.getByLabel('Then').selectOption({ label: 'Read only' });
		await dialog.getByRole('button', { name: 'Save' }).click();
		await dialog.waitFor({ state: 'hidden' });
		await expect.poll(() => row.getByTestId('expiry').innerText()).toContain('until 1 March 2040, then Read only');
	});
});
