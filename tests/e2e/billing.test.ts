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
	const add = async (number: string) => {
		await form.getByLabel('Card number').fill(number);
		await form.getByLabel('Month').fill('12');
		await form.getByLabel('Year').fill('2099');
		await form.getByLabel('Security code').fill('123');
		await form.getByLabel('Name on card').fill('Ann Example');
		await form.getByRole('button', { name: 'Add card' }).click();
	};
	await add('4242 4242 4242 4241');
	await expect.poll(() => ann.getByRole('alert').textContent()).toContain('That card number is not valid');
	await add('4242 4242 4242 4242');
	const card = (last4: string) => ann.locator(`[data-testid=card][data-last4="${last4}"]`);
	await expect.poll(() => card('4242').getAttribute('data-default')).toBe('true');
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
