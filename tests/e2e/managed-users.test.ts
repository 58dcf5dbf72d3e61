import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { E2E } from './harness.ts';

const e2e = new E2E();
let ann: Page;

beforeAll(async () => {
	await e2e.start();
	ann = await e2e.signUp(await e2e.context(), 'ann');
	await e2e.createOrg(ann, 'Acme Data');
});
afterAll(() => e2e.stop());

async function signIn(username: string, password: string) {
	const page = await (await e2e.context()).newPage();
	await page.goto('/signin');
	await page.getByLabel('Username').fill(username);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	return page;
}

describe('managed users (mLab "Add a new account user")', () => {
	it('the primary admin creates a user, sees it listed as managed, and it signs in with the first password', async () => {
		await ann.getByRole('button', { name: 'Create user' }).click();
		const dialog = ann.getByRole('dialog', { name: 'Create user' });
		await dialog.getByLabel('Username').fill('mia');
		await dialog.getByLabel('Email').fill('mia@example.com');
		await dialog.getByLabel('First password').fill('short');
		await dialog.getByRole('button', { name: 'Create user' }).click();
		// Native validation keeps the dialog open on a too-short password.
		expect(await dialog.isVisible()).toBe(true);
		await dialog.getByLabel('First password').fill('a first password');
		await dialog.getByLabel('Role').selectOption({ label: 'Billing Admin' });
		await dialog.getByRole('button', { name: 'Create user' }).click();
		await dialog.waitFor({ state: 'hidden' });

		const row = e2e.row(ann, 'mia');
		await row.waitFor();
		await expect.poll(() => row.textContent()).toContain('managed');
		expect(await row.textContent()).toContain('(unverified)');
		expect(await e2e.roleShown(ann, 'mia')).toBe('Billing Admin');
		expect((await e2e.mail('mia@example.com')).subject).toBe('Verify your email address for Roster');

		const mia = await signIn('mia', 'a first password');
		await mia.waitForURL('**/orgs');
		await mia.getByRole('link', { name: 'Acme Data' }).waitFor();
		// Its account page says who manages it.
		await mia.getByRole('link', { name: 'Account' }).click();
		await expect.poll(() => mia.getByTestId('managed-by').textContent()).toContain('created by the primary admin of Acme Data');
		await mia.context().close();
	});

	it('a taken username is refused in the dialog with its reason', async () => {
		await ann.getByRole('button', { name: 'Create user' }).click();
		const dialog = ann.getByRole('dialog', { name: 'Create user' });
		await dialog.getByLabel('Username').fill('ann');
		await dialog.getByLabel('Email').fill('other@example.com');
		await dialog.getByLabel('First password').fill('a first password');
		await dialog.getByRole('button', { name: 'Create user' }).click();
		await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('The username “ann” is taken.');
		await dialog.getByRole('button', { name: 'Cancel' }).click();
	});

	it('the primary admin edits its profile and resets its password', async () => {
		await e2e.row(ann, 'mia').getByRole('button', { name: 'Manage mia' }).click();
		const dialog = ann.getByRole('dialog', { name: 'Manage mia' });
		await dialog.getByLabel('Display name').fill('Mia Rossi');
		await dialog.getByRole('button', { name: 'Save profile' }).click();
		await expect.poll(() => dialog.getByRole('status').textContent()).toBe('Saved.');
		await expect.poll(() => e2e.row(ann, 'mia').textContent()).toContain('Mia Rossi');

		await dialog.getByLabel('New password').fill('a second password');
		await dialog.getByRole('button', { name: 'Reset password' }).click();
		await expect.poll(() => dialog.getByRole('status').textContent()).toContain('signed out everywhere');
		await dialog.getByRole('button', { name: 'Close' }).click();
		const mia = await signIn('mia', 'a second password');
		await mia.waitForURL('**/orgs');
		await mia.context().close();
	});

	it('the primary admin deletes it, after confirming, and it is gone from the list and from Roster', async () => {
		// Signed in meanwhile, mia is told why her session ended.
		const signedIn = await signIn('mia', 'a second password');
		await signedIn.waitForURL('**/orgs');
		await e2e.row(ann, 'mia').getByRole('button', { name: 'Manage mia' }).click();
		await ann.getByRole('dialog', { name: 'Manage mia' }).getByRole('button', { name: 'Delete from Roster…' }).click();
		const confirm = ann.getByRole('dialog', { name: 'Delete user' });
		expect(await confirm.textContent()).toContain('Delete mia from Roster?');
		await confirm.getByRole('button', { name: 'Delete' }).click();
		await expect.poll(() => e2e.row(ann, 'mia').count()).toBe(0);
		expect(await e2e.server.accounts.userByUsername('mia')).toBeUndefined();
		await signedIn.waitForURL('**/signin');
		await expect.poll(() => signedIn.getByRole('status').textContent()).toContain('This account was deleted');
		await signedIn.context().close();
		const mia = await signIn('mia', 'a second password');
		await expect.poll(() => mia.getByRole('alert').textContent()).toContain('do not match');
		await mia.context().close();
	});
});
