import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { LocalProcessor } from '../../sync-server/payments.ts';
import { E2E } from './harness.ts';

const e2e = new E2E();
let clock = Date.parse('2026-09-10T12:00:00Z');
let ann: Page;
const payments = new LocalProcessor();
beforeAll(async () => {
	await e2e.start({ now: () => clock, payments });
	await e2e.signUp(await e2e.context(), 'bob');
	ann = await e2e.signUp(await e2e.context(), 'ann');
	await e2e.createOrg(ann, 'Invoice Co');
	await e2e.addMember(ann, 'bob');
	await e2e.row(ann, 'bob').waitFor();
});
afterAll(() => e2e.stop());

async function createDeployment(page: Page, project: string, name: string, plan: string) {
	await page.getByRole('link', { name: 'Projects' }).click();
	await page.getByLabel('Project name').fill(project);
	await page.getByRole('button', { name: 'Create project' }).click();
	await page.getByRole('heading', { name: new RegExp(project) }).waitFor();
	await page.getByLabel('Deployment name').fill(name);
	await page.getByLabel('Plan').selectOption({ label: plan });
	await page.getByRole('button', { name: 'Create deployment' }).click();
	await expect.poll(() => page.locator(`[data-testid=deployment][data-name=${name}]`).getAttribute('data-status')).toBe('active');
}

async function addCard(page: Page, number: string) {
	await page.getByRole('link', { name: 'Billing' }).click();
	const form = page.getByRole('form', { name: 'Add a card' });
	await form.getByLabel('Card number').fill(number);
	await form.getByLabel('Month').fill('12');
	await form.getByLabel('Year').fill('2099');
	await form.getByLabel('Security code').fill('737');
	await form.getByLabel('Name on card').fill('A. Holder');
	await form.getByRole('button', { name: 'Add card' }).click();
	await page.locator(`[data-testid=card][data-last4="${number.slice(-4)}"]`).waitFor();
}

it('a month of a deployment is invoiced, paid with the card on file, printed and re-sent to a member', async () => {
	await createDeployment(ann, 'Apollo', 'orders', 'Dedicated — $180.00 a month');
	await addCard(ann, '4111 1111 1111 1111');

	// Next month, the billing run issues September's invoice and charges the default card.
	clock = Date.parse('2026-10-01T00:30:00Z');
	await e2e.server.billing.run();
	const row = ann.locator('[data-testid=invoice][data-id="2026-09"]');
	await expect.poll(() => row.getAttribute('data-status')).toBe('paid');
	expect(await row.textContent()).toContain('$126.00');
	expect(await row.textContent()).toContain('with the Visa card ending 1111');
	expect(await ann.getByTestId('unpaid-balance').textContent()).toBe('$0.00');

	await row.getByRole('link', { name: 'September 2026' }).click();
	await ann.getByRole('heading', { name: 'Invoice 2026-09' }).waitFor();
	const invoice = ann.getByTestId('invoice-document');
	expect(await invoice.textContent()).toContain('orders');
	expect(await ann.getByTestId('invoice-total').textContent()).toBe('$126.00');
	expect(await ann.getByTestId('invoice-status').textContent()).toContain('with the Visa card ending 1111');
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

it('with an unpaid balance the organization is closing until its final invoice, then leaves the list', async () => {
	// Sessions last 30 days on the server's clock: signed up late enough to outlive the month.
	clock = Date.parse('2026-10-02T01:00:00Z');
	const cy = await e2e.signUp(await e2e.context(), 'cyd');
	await e2e.createOrg(cy, 'Closing Co');
	await createDeployment(cy, 'Gemini', 'search', 'Shared — $15.00 a month');
	const projectUrl = cy.url();
	await addCard(cy, '5555 5555 5555 4444');
	payments.declining.add('4444');

	clock = Date.parse('2026-11-01T00:30:00Z');
	await e2e.server.billing.run();
	await expect.poll(() => cy.locator('[data-testid=invoice][data-id="2026-10"]').getAttribute('data-status')).toBe('open');
	expect(await cy.getByTestId('unpaid-balance').textContent()).toBe('$14.52');
	expect((await e2e.mail('cyd@example.com')).subject).toBe('Roster could not charge Closing Co: $14.52 unpaid');

	await cy.goto(projectUrl);
	await cy.getByRole('button', { name: 'Delete deployment search' }).click();
	await cy.getByRole('dialog', { name: 'Delete deployment' }).getByRole('button', { name: 'Delete deployment' }).click();
	await expect.poll(() => cy.locator('[data-testid=deployment][data-name=search]').getAttribute('data-status')).toBe('deleted');
	await cy.getByRole('link', { name: 'Settings' }).click();
	expect(await cy.getByTestId('closing-balance').textContent()).toContain('$14.52');
	await cy.getByRole('button', { name: 'Close organization' }).click();
	await cy.getByRole('dialog', { name: 'Close organization' }).getByRole('button', { name: 'Close organization' }).click();
	await cy.getByTestId('closing-notice').waitFor();
	expect(await cy.getByRole('option', { name: 'Closing Co (closing)' }).count()).toBe(1);
	// Read-only but for billing: no way to close again or change contacts other than billing.
	expect(await cy.getByRole('button', { name: 'Close organization' }).count()).toBe(0);

	await e2e.server.billing.run();
	await cy.waitForURL(/\/orgs$/);
	// Listed apart, as closed since the day it was asked to close.
	await expect.poll(() => cy.getByTestId('closed-org').textContent()).toMatch(/Closing Co\s*closed on/);
	expect(await cy.getByRole('link', { name: 'Closing Co' }).count()).toBe(1);
	// The final invoice covers 1 November, when the deployment still ran; the card declined it too (rules §4: it closes all the same).
	const billing = (await e2e.server.hub.orgState(new URL(projectUrl).pathname.split('/')[2]!))!.billing();
	expect(billing.invoice('2026-11-final')).toMatchObject({ totalCents: 50, status: 'open', final: true });
});
