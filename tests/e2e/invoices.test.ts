import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { E2E } from './harness.ts';

const e2e = new E2E();
let clock = Date.parse('2026-09-10T12:00:00Z');
let ann: Page;
beforeAll(async () => {
	await e2e.start({ now: () => clock });
	await e2e.signUp(await e2e.context(), 'bob');
	ann = await e2e.signUp(await e2e.context(), 'ann');
	await e2e.createOrg(ann, 'Invoice Co');
	await e2e.addMember(ann, 'bob');
	await e2e.row(ann, 'bob').waitFor();
});
afterAll(() => e2e.stop());

it('a month of a deployment is invoiced, paid with the card on file, printed and re-sent to a member', async () => {
	await ann.getByRole('link', { name: 'Projects' }).click();
	await ann.getByLabel('Project name').fill('Apollo');
	await ann.getByRole('button', { name: 'Create project' }).click();
	await ann.getByRole('heading', { name: /Apollo/ }).waitFor();
	await ann.getByLabel('Deployment name').fill('orders');
	await ann.getByLabel('Plan').selectOption({ label: 'Dedicated — $180.00 a month' });
	await ann.getByRole('button', { name: 'Create deployment' }).click();
	await expect.poll(() => ann.locator('[data-testid=deployment][data-name=orders]').getAttribute('data-status')).toBe('active');

	await ann.getByRole('link', { name: 'Billing' }).click();
	await ann.getByText('No invoices yet').waitFor();
	const form = ann.getByRole('form', { name: 'Add a card' });
	await form.getByLabel('Card number').fill('4111 1111 1111 1111');
	await form.getByLabel('Month').fill('12');
	await form.getByLabel('Year').fill('2099');
	await form.getByLabel('Security code').fill('737');
	await form.getByLabel('Name on card').fill('Ann Example');
	await form.getByRole('button', { name: 'Add card' }).click();
	await ann.locator('[data-testid=card][data-last4="1111"]').waitFor();

	// Next month, the billing run issues September's invoice and charges the default card.
	clock = Date.parse('2026-10-01T00:30:00Z');
	await e2e.server.billing.run();
	const row = ann.locator('[data-testid=invoice][data-id="2026-09"]');
	await expect.poll(() => row.getAttribute('data-status')).toBe('paid');
	expect(await row.textContent()).toContain('$126.00');
	expect(await row.textContent()).toContain('with the visa card ending 1111');
	expect(await ann.getByTestId('unpaid-balance').textContent()).toBe('$0.00');

	await row.getByRole('link', { name: 'September 2026' }).click();
	await ann.getByRole('heading', { name: 'Invoice 2026-09' }).waitFor();
	const invoice = ann.getByTestId('invoice-document');
	expect(await invoice.textContent()).toContain('orders');
	expect(await ann.getByTestId('invoice-total').textContent()).toBe('$126.00');
	expect(await ann.getByTestId('invoice-status').textContent()).toContain('with the visa card ending 1111');
	await ann.getByRole('button', { name: 'Print' }).waitFor();
	// Printed, only the invoice shows: no app header, navigation, print button or form.
	await ann.emulateMedia({ media: 'print' });
	expect(await ann.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(false);
	expect(await ann.getByRole('button', { name: 'Print' }).isVisible()).toBe(false);
	expect(await invoice.isVisible()).toBe(true);
	await ann.emulateMedia({ media: 'screen' });

	const send = ann.getByRole('form', { name: 'Send this invoice' });
	const options = await send.getByLabel('Send a copy to').locator('option').allTextContents();
	expect(options).toEqual(['ann@example.com', 'bob@example.com']);
	await send.getByLabel('Send a copy to').selectOption('bob@example.com');
	await send.getByRole('button', { name: 'Send invoice' }).click();
	await ann.getByText('Sent to bob@example.com.').waitFor();
	await expect.poll(async () => (await e2e.mail('bob@example.com')).subject).toBe('Roster invoice for Invoice Co: September 2026');
	const mail = await e2e.mail('bob@example.com');
	expect(mail.text).toContain('Total: $126.00');
	expect(mail.text).toContain(`${e2e.url}/orgs/`);
	expect(mail.text).toContain('/billing/invoices/2026-09');
});
