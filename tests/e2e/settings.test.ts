import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { E2E } from './harness.ts';

const e2e = new E2E();
let ann: Page;
beforeAll(async () => {
	await e2e.start();
	ann = await e2e.signUp(await e2e.context(), 'ann');
	await e2e.createOrg(ann, 'Closing Co');
});
afterAll(() => e2e.stop());

const contact = (kind: string) => ann.locator(`[data-testid=contact][data-kind=${kind}]`);

it('contacts fall back to the primary admin until set, and back again when cleared', async () => {
	await ann.getByRole('link', { name: 'Settings' }).click();
	await expect.poll(() => contact('billing').textContent()).toContain('ann@example.com');
	expect(await contact('billing').textContent()).toContain("the primary admin's email (none set)");
	await contact('billing').getByRole('button', { name: 'Change' }).click();
	await contact('billing').getByLabel('New billing contact').fill('not an address');
	await contact('billing').getByRole('button', { name: 'Save' }).click();
	// Refused at its field, the input kept.
	await expect.poll(() => contact('billing').getByRole('alert').count()).toBe(1);
	expect(await contact('billing').getByLabel('New billing contact').inputValue()).toBe('not an address');
	await contact('billing').getByLabel('New billing contact').fill('ap@example.org');
	await contact('billing').getByRole('button', { name: 'Save' }).click();
	await expect.poll(() => contact('billing').textContent()).toContain('ap@example.org');
	expect(await contact('billing').textContent()).toContain('set for this organization');
	expect(await contact('technical').textContent()).toContain('ann@example.com');
	await contact('billing').getByRole('button', { name: "Use the primary admin's" }).click();
	await expect.poll(() => contact('billing').textContent()).toContain('ann@example.com');
});

it('a security change refused at its field leaves the settings showing what is saved; one made offline shows as pending until saved', async () => {
	await ann.getByRole('link', { name: 'Settings' }).click();
	const security = ann.getByRole('region', { name: 'Security' });
	const shown = security.getByTestId('security-settings');
	await security.getByRole('button', { name: 'Edit security settings' }).click();
	await security.getByLabel('Require two-factor authentication for every member').check();
	await security.getByLabel('Sign out after inactivity').selectOption({ label: '30 minutes' });
	await security.getByRole('button', { name: 'Save security settings' }).click();
	// The domain refuses it here, before anything is sent: the draft stays, with the reason beside it.
	await expect
		.poll(() => security.getByRole('alert').textContent())
		.toBe('Turn on two-factor authentication for yourself before requiring it of every member.');
	expect(await security.getByLabel('Require two-factor authentication for every member').isChecked()).toBe(true);
	await security.getByRole('button', { name: 'Cancel' }).click();
	await expect.poll(() => shown.textContent()).toContain('Up to each member');
	expect(await shown.textContent()).toContain('No idle limit');

	// Offline, the change waits among the pending changes and shows as such; online again, it is saved.
	await ann.context().setOffline(true);
	try {
		await security.getByRole('button', { name: 'Edit security settings' }).click();
		await security.getByLabel('Sign out after inactivity').selectOption({ label: '30 minutes' });
		await security.getByRole('button', { name: 'Save security settings' }).click();
		await expect.poll(() => shown.textContent()).toContain('30 minutes');
		expect(await security.getByRole('heading', { name: 'Security pending' }).count()).toBe(1);
		expect(await security.getByRole('combobox').count()).toBe(0);
	} finally {
		await ann.context().setOffline(false);
	}
	await expect.poll(() => security.getByText('pending').count()).toBe(0);
	expect(await shown.textContent()).toContain('30 minutes');
});

it('the primary admin reads the mail log: without SMTP, the mail written for the organization', async () => {
	await ann.getByRole('link', { name: 'Settings' }).click();
	const log = ann.getByRole('region', { name: 'Mail log' });
	await log.waitFor();
	expect(await log.textContent()).toContain('No SMTP server is configured, so Roster writes mail to files instead of sending it.');
});

it('a deployment keeps the organization open; deleted, the organization closes and leaves the list', async () => {
	await ann.getByRole('link', { name: 'Projects' }).click();
	await ann.getByLabel('Project name').fill('Apollo');
	await ann.getByRole('button', { name: 'Create project' }).click();
	await ann.getByRole('heading', { name: /Apollo/ }).waitFor();
	await ann.getByLabel('Deployment name').fill('orders');
	await ann.getByLabel('Plan').selectOption({ label: 'Dedicated — $180.00 a month' });
	await ann.getByRole('button', { name: 'Create deployment' }).click();
	const orders = ann.locator('[data-testid=deployment][data-name=orders]');
	await expect.poll(() => orders.getAttribute('data-status')).toBe('active');
	const projectUrl = ann.url();

	await ann.getByRole('link', { name: 'Settings' }).click();
	await ann.getByRole('button', { name: 'Close organization' }).click();
	await ann.getByRole('dialog', { name: 'Close organization' }).getByRole('button', { name: 'Close organization' }).click();
	const refused = ann.locator('[data-testid=outbox-entry][data-status=refused]');
	await refused.waitFor();
	expect(await refused.textContent()).toContain('Closing Co cannot close while project Apollo has active deployments: delete them first.');
	await refused.getByRole('button', { name: 'Discard' }).click();

	await ann.goto(projectUrl);
	await ann.getByRole('button', { name: 'Delete deployment orders' }).click();
	await ann.getByRole('dialog', { name: 'Delete deployment' }).getByRole('button', { name: 'Delete deployment' }).click();
	await expect.poll(() => orders.getAttribute('data-status')).toBe('deleted');

	await ann.getByRole('link', { name: 'Settings' }).click();
	await ann.getByRole('button', { name: 'Close organization' }).click();
	await ann.getByRole('dialog', { name: 'Close organization' }).getByRole('button', { name: 'Close organization' }).click();
	await ann.waitForURL(/\/orgs$/);
	await ann.getByText('You are not in any organization yet').waitFor();
	// It is listed apart, as closed, and nowhere else.
	await expect.poll(() => ann.getByTestId('closed-org').textContent()).toMatch(/Closing Co\s*closed on/);
	expect(await ann.getByRole('link', { name: 'Closing Co' }).count()).toBe(1);
});
