import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { E2E, PASSWORD } from './harness.ts';

const e2e = new E2E();
const NEW_PASSWORD = 'a brand new passphrase';
let erin: Page;

beforeAll(async () => {
	await e2e.start();
	erin = await e2e.signUp(await e2e.context(), 'erin');
});
afterAll(() => e2e.stop());

const form = (page: Page, name: string) => page.getByRole('form', { name });
const said = (page: Page, name: string) => form(page, name).locator('[role=status], [role=alert]').textContent();
const header = (page: Page) => page.getByTestId('current-user').textContent();

describe('account page', () => {
	it('changes the display name, and the username with the current password; the header follows', async () => {
		await erin.getByRole('link', { name: 'Account' }).click();
		await erin.getByRole('heading', { name: 'Account' }).waitFor();
		const profile = form(erin, 'Profile');
		expect(await profile.getByLabel('Username').inputValue()).toBe('erin');
		await profile.getByLabel('Display name').fill('Erin Example');
		// A display name alone asks for no password.
		expect(await profile.getByLabel('Current password').count()).toBe(0);
		await profile.getByRole('button', { name: 'Save profile' }).click();
		await expect.poll(() => said(erin, 'Profile')).toBe('Saved');
		await profile.getByLabel('Username').fill('Erin.New');
		await profile.getByLabel('Current password').fill(PASSWORD);
		await profile.getByRole('button', { name: 'Save profile' }).click();
		await expect.poll(() => header(erin)).toBe('erin.new');
		await expect.poll(() => said(erin, 'Profile')).toBe('Saved');
		expect(await profile.getByLabel('Username').inputValue()).toBe('erin.new');
		// So does the copy kept for starting offline.
		expect(await erin.evaluate(() => (JSON.parse(localStorage.getItem('roster.user') ?? '{}') as { username?: string }).username)).toBe(
			'erin.new'
		);
	});

	it('changes the email address with the current password and verifies it with the mailed link', async () => {
		const email = form(erin, 'Email address');
		await email.getByLabel('New email address').fill('erin@new.example.org');
		await email.getByLabel('Current password').fill('not the password');
		await email.getByRole('button', { name: 'Change email' }).click();
		await expect.poll(() => said(erin, 'Email address')).toBe('That is not your current password.');
		await email.getByLabel('Current password').fill(PASSWORD);
		await email.getByRole('button', { name: 'Change email' }).click();
		await expect.poll(() => said(erin, 'Email address')).toContain('erin@new.example.org');
		expect(await erin.getByTestId('current-email').textContent()).toMatch(/erin@new\.example\.org\s*not verified/);

		const mail = await e2e.mail('erin@new.example.org');
		const link = mail.text.match(/http:\/\/\S+\/api\/verify-email\?token=[\w-]+/)![0];
		await erin.goto(link);
		await erin.getByText('Your email address is verified.').waitFor();
		await erin.getByRole('link', { name: 'Account' }).click();
		await expect.poll(() => erin.getByTestId('current-email').textContent()).toMatch(/erin@new\.example\.org\s*verified/);
		expect(await erin.getByRole('button', { name: 'Resend link' }).count()).toBe(0);
	});

	it('changes the password: a wrong current one is refused; other sessions end; the new one signs in', async () => {
		const other = await e2e.signIn('erin.new');

		const password = form(erin, 'Password');
		// A common password is refused by the server's list, and said at the field it is about.
		await password.getByLabel('Current password').fill(PASSWORD);
		await password.getByLabel('New password').fill('Password1234');
		await password.getByRole('button', { name: 'Change password' }).click();
		const refusal = password.getByRole('alert');
		await expect.poll(() => refusal.textContent()).toMatch(/list of common and breached passwords/);
		const described = await password.getByLabel('New password').getAttribute('aria-describedby');
		expect(described?.split(' ')).toContain(await refusal.getAttribute('id'));

		await password.getByLabel('Current password').fill('not the password');
		await password.getByLabel('New password').fill(NEW_PASSWORD);
		await password.getByRole('button', { name: 'Change password' }).click();
		await expect.poll(() => said(erin, 'Password')).toBe('That is not your current password.');

		await password.getByLabel('Current password').fill(PASSWORD);
		await password.getByLabel('New password').fill(NEW_PASSWORD);
		await password.getByRole('button', { name: 'Change password' }).click();
		await expect.poll(() => said(erin, 'Password')).toMatch(/^Saved/);
		// The other browser's session ended: its socket closed and it is sent to sign in.
		await other.waitForURL('**/signin');
		await other.context().close();

		await erin.getByRole('button', { name: 'Sign out' }).click();
		await erin.waitForURL('**/signin');
		await erin.getByLabel('Username').fill('erin.new');
		await erin.getByLabel('Password').fill(PASSWORD);
		await erin.getByRole('button', { name: 'Sign in' }).click();
		await erin.getByRole('alert').getByText('That username and password do not match.').waitFor();
		await e2e.signIn('erin.new', { page: erin, password: NEW_PASSWORD });
		expect(await header(erin)).toBe('erin.new');
	});
});
