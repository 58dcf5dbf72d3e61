import { describe, expect, it } from 'vitest';
import { acmeOfAnnAndBob } from './harness.ts';

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
});
