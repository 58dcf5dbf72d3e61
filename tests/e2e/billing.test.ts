import { afterAll, beforeAll, expect, it } from 'vitest';
import { E2E } from './harness.ts';

const e2e = new E2E();
beforeAll(() => e2e.start());
afterAll(() => e2e.stop());

it('adds two cards, changes the default, deletes the default and sees the other promoted', async () => {
	const ann = await e2e.signUp(await e2e.context(), 'ann');
	await e2e.createOrg(ann, 'Billing Co');
	await ann.getByRole('link', { name: 'Billing' }).click();
	const form = ann.getByRole('form', { name: 'Add a card' });
	const add = async (number: string, month = '12', year = '2099') => {
		await form.getByLabel('Card number').fill(number);
		await form.getByLabel('Month').fill(month);
		await form.getByLabel('Year').fill(year);
		await form.getByLabel('Security code').fill('123');
		await form.getByLabel('Name on card').fill('Ann Example');
		await form.getByRole('button', { name: 'Add card' }).click();
	};
	await add('4242 4242 4242 4241');
	await expect.poll(() => ann.getByRole('alert').textContent()).toContain('That card number is not valid');
	// What people type: a two-digit year, a one-digit month, spaces in the number.
	await add('4242 4242 4242 4242', '3', '1999');
	await expect.poll(() => ann.getByRole('alert').textContent()).toBe('The expiry year is a year such as 2030 or 30.');
	await add('4242 4242 4242 4242', '3', '99');
	const card = (last4: string) => ann.locator(`[data-testid=card][data-last4="${last4}"]`);
	await expect.poll(() => card('4242').getAttribute('data-default')).toBe('true');
	expect(await card('4242').textContent()).toContain('Visa ending 4242');
	expect(await card('4242').textContent()).toContain('03/2099');
	expect(await ann.getByRole('table').getByRole('columnheader').allTextContents()).toEqual([
		'Card',
		'Expires',
		'Name on card',
		'Default',
		'Actions'
	]);
	await add('5555 5555 5555 4444');
	await expect.poll(() => card('4444').getAttribute('data-default')).toBe('false');
	await card('4444').getByRole('button', { name: 'Make default' }).click();
	await expect.poll(() => card('4444').getAttribute('data-default')).toBe('true');
	await card('4444').getByRole('button', { name: 'Remove the card ending 4444' }).click();
	await ann.getByRole('dialog', { name: 'Remove card' }).getByRole('button', { name: 'Remove card' }).click();
	await expect.poll(() => card('4444').count()).toBe(0);
	await expect.poll(() => card('4242').getAttribute('data-default')).toBe('true');
	expect(await ann.getByText('To update a card, delete it and add it again.').count()).toBe(1);
});

it('takes a two-digit card year as people write it, and says when billing details are saved', async () => {
	const ann = await e2e.signUp(await e2e.context(), 'amy');
	await e2e.createOrg(ann, 'Years Co');
	await ann.getByRole('link', { name: 'Billing' }).click();
	const form = ann.getByRole('form', { name: 'Add a card' });
	await form.getByLabel('Card number').fill('4242 4242 4242 4242');
	await form.getByLabel('Month').fill('03');
	// Next year as printed on a card ("27"), so that the card is never expired whenever this runs.
	const year = new Date().getFullYear() + 1;
	await form.getByLabel('Year').fill(String(year % 100).padStart(2, '0'));
	await form.getByLabel('Security code').fill('123');
	await form.getByLabel('Name on card').fill('Amy Example');
	await form.getByRole('button', { name: 'Add card' }).click();
	const card = ann.locator('[data-testid=card][data-last4="4242"]');
	await expect.poll(() => card.textContent()).toContain(`03/${year}`);
	expect(await ann.getByRole('alert').count()).toBe(0);

	const details = ann.getByRole('region', { name: 'Billing details' });
	await details.getByLabel('Company').fill('Years Co Ltd');
	await details.getByRole('button', { name: 'Save details' }).click();
	await expect.poll(() => details.getByRole('status').textContent()).toMatch(/^Saved at .+\.$/);
});
