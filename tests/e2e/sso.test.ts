import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CLIENT_ID, CLIENT_SECRET, TestIdp } from '../server/oidc-idp.ts';
import { verifyEmail } from '../server/test-client.ts';
import { E2E, PASSWORD } from './harness.ts';

/** rules §2 single sign-on in Chromium: the primary admin maps a group, a person signs in at the provider's own login page. */
const e2e = new E2E();
const idp = new TestIdp();
let ann: Page;
let orgId: string;
beforeAll(async () => {
	await idp.listen();
	await e2e.start({
		oidc: [
			{
				id: 'corp',
				name: 'Corp',
				issuer: idp.issuer,
				clientId: CLIENT_ID,
				clientSecret: CLIENT_SECRET,
				scopes: ['openid', 'email', 'profile', 'groups'],
				groupsClaim: 'groups',
				allowHttp: true
			}
		]
	});
	idp.serve(`${e2e.url}/api/sso/corp/callback`);
	ann = await e2e.signUp(await e2e.context(), 'ann');
	orgId = await e2e.createOrg(ann, 'Acme');
});
afterAll(async () => {
	await e2e.stop();
	await idp.close();
});

/** Signs in at the provider's own login page (oidc-provider's development interaction) from Roster's sign-in page. */
async function throughCorp(page: Page, login: string) {
	await page.getByRole('link', { name: 'Sign in with Corp' }).click();
	await page.waitForURL(`${idp.issuer}/**`);
	await page.locator('input[name=login]').fill(login);
	await page.locator('input[name=password]').fill('any');
	await page.locator('button[type=submit]').click();
}

it('the sign-in page offers the provider and words a refusal from it', async () => {
	const page = await (await e2e.context()).newPage();
	await page.goto('/signin?ssoError=SSO_NO_EMAIL');
	expect(await page.getByTestId('sso-error').innerText()).toContain('did not share your email address');
	expect(await page.getByRole('link', { name: 'Sign in with Corp' }).getAttribute('href')).toBe('/api/sso/corp/start?return=%2Forgs');
	await page.context().close();
});

it('the primary admin maps a group to a role; a person of that group signs in through the provider and holds it', async () => {
	await ann.getByRole('link', { name: 'Settings' }).click();
	const section = ann.getByRole('region', { name: 'Single sign-on' });
	await section.getByRole('button', { name: 'Edit single sign-on' }).click();
	const form = section.getByRole('form', { name: 'Edit single sign-on' });
	expect(await form.getByLabel('Identity provider').inputValue()).toBe('corp');
	await form.getByRole('button', { name: 'Add a group mapping' }).click();
	// A group without a name is refused at the form, the rest of the input kept.
	await form.getByLabel('Organization role').selectOption({ label: 'Project Creator' });
	await form.getByRole('button', { name: 'Save single sign-on' }).click();
	await form.getByRole('alert').waitFor();
	expect(await form.getByLabel('Organization role').inputValue()).toBe('ORG_PROJECT_CREATOR');
	await form.getByLabel('Group name').fill('engineers');
	await form.getByRole('button', { name: 'Save single sign-on' }).click();
	await section.getByTestId('sso-grant-summary').waitFor();
	expect(await section.getByTestId('sso-settings').innerText()).toContain('Corp');
	expect(await section.getByTestId('sso-grant-summary').innerText()).toBe('Project Creator');

	idp.users.set('bob', { sub: 'bob', email: 'bob@corp.example', email_verified: true, preferred_username: 'bob', groups: ['engineers'] });
	const bob = await (await e2e.context()).newPage();
	await bob.goto('/signin');
	await throughCorp(bob, 'bob');
	await bob.waitForURL('**/orgs');
	await bob.getByRole('link', { name: 'Acme' }).click();
	await bob.waitForURL(`**/orgs/${orgId}`);
	await expect.poll(() => e2e.roleShown(bob, 'bob')).toBe('Project Creator');
	await bob.context().close();
});

it('a provider address that a Roster user verified is linked once its password proves it', async () => {
	const carol = await e2e.signUp(await e2e.context(), 'carol', 'carol@corp.example');
	await verifyEmail(e2e.dataDir, 'carol@corp.example');
	await carol.getByRole('button', { name: 'Sign out' }).click();
	await carol.waitForURL('**/signin');
	idp.users.set('c-17', { sub: 'c-17', email: 'carol@corp.example', email_verified: true, preferred_username: 'carol.c', groups: [] });
	await throughCorp(carol, 'c-17');
	await carol.waitForURL('**/sso/link?**');
	await carol.getByLabel('Password of carol').fill('not the password');
	await carol.getByRole('button', { name: 'Link and sign in' }).click();
	expect(await carol.getByRole('alert').innerText()).toBe('That password does not match.');
	await carol.getByLabel('Password of carol').fill(PASSWORD);
	await carol.getByRole('button', { name: 'Link and sign in' }).click();
	await carol.waitForURL('**/orgs');
	await carol.getByRole('heading', { name: 'Organizations' }).waitFor();
	await carol.context().close();
});

it('once the organization requires single sign-on, a member signed in with a password is told so and offered the provider', async () => {
	const dave = await e2e.signUp(await e2e.context(), 'dave');
	await ann.getByRole('link', { name: 'Members' }).click();
	await e2e.addMember(ann, 'dave');
	// Dave's console holds the organization (its provider among it) before the requirement comes.
	await dave.getByRole('link', { name: 'Acme' }).waitFor();
	await ann.getByRole('link', { name: 'Settings' }).click();
	const section = ann.getByRole('region', { name: 'Single sign-on' });
	await section.getByRole('button', { name: 'Edit single sign-on' }).click();
	await section.getByLabel('Require single sign-on').check();
	await section.getByRole('button', { name: 'Save single sign-on' }).click();
	await section.getByText('Refused, except the primary admin’s').waitFor();
	// The primary admin's password session is the break-glass account: it still reaches the organization.
	expect(await ann.getByTestId('sso-required').count()).toBe(0);
	// Dave's password session is refused there at once, on the page he has open.
	const notice = dave.getByTestId('sso-required');
	await notice
		.getByText('Acme requires single sign-on: a password sign-in no longer opens it. Sign in with Corp to reach it again.')
		.waitFor();
	// It signs out and starts at the provider, to come back to the organization.
	await notice.getByRole('button', { name: 'Sign in with Corp' }).click();
	await dave.waitForURL(`${idp.issuer}/**`);
	await dave.context().close();
});
