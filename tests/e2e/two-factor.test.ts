import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, PASSWORD } from './harness.ts';

/** The server's clock runs ahead of the real one by `offset`, so the test can reach the next code or let a step-up lapse. */
let offset = 0;
const serverNow = () => Date.now() + offset;
const e2e = new E2E();
let alice: Page;
let orgId: string;
let secret: string;

const code = () => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: serverNow() });

beforeAll(async () => {
	await e2e.start({ now: serverNow });
	alice = await e2e.signUp(await e2e.context(), 'alice');
	orgId = await e2e.createOrg(alice, 'Acme');
	await e2e.signUp(await e2e.context(), 'bob');
});
afterAll(() => e2e.stop());

describe('two-factor authentication in the browser', () => {
	it('enrols from the key shown with the QR code, and shows the recovery codes once', async () => {
		await alice.goto('/account');
		const panel = alice.getByRole('region', { name: 'Two-factor authentication' });
		await panel.getByRole('button', { name: 'Set up two-factor' }).click();
		const qr = panel.getByRole('img', { name: 'QR code with your two-factor key' });
		expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
		const key = panel.getByLabel('Setup key');
		secret = (await key.getAttribute('data-key'))!;
		// The grouped key a person types is the same secret.
		expect((await key.textContent())!.replace(/\s/g, '')).toBe(secret);

		await panel.getByLabel('Authenticator code').fill(code());
		// Someone holding only the session cannot tie the account to an app of theirs.
		await panel.getByLabel('Current password').fill('not the password');
		await panel.getByRole('button', { name: 'Turn on' }).click();
		await panel.getByRole('alert').getByText('That is not your current password.').waitFor();
		await panel.getByLabel('Current password').fill(PASSWORD);
		await panel.getByRole('button', { name: 'Turn on' }).click();
		const codes = panel.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
		await expect.poll(() => codes.count()).toBe(10);
		expect(await codes.first().textContent()).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
		await panel.getByRole('button', { name: 'I have saved them' }).click();
		await expect.poll(() => codes.count()).toBe(0);
		await panel.getByText('10 recovery codes left').waitFor();
	});

	it('asks for the code when signing in again', async () => {
		await alice.getByRole('button', { name: 'Sign out' }).click();
		await alice.waitForURL('**/signin');
		await alice.getByLabel('Username').fill('alice');
		await alice.getByLabel('Password').fill(PASSWORD);
		await alice.getByRole('button', { name: 'Sign in' }).click();
		const field = alice.getByLabel('Authenticator code');
		await field.waitFor();
		// The enrolment's code was used: the next one (30 s on, by the server's clock) is needed.
		offset += 30_000;
		await field.fill(code());
		await alice.getByRole('button', { name: 'Sign in' }).click();
		await alice.waitForURL('**/orgs');
	});

	it('asks for a fresh code before a sensitive change once the last one is older than 10 minutes', async () => {
		await alice.goto(`/orgs/${orgId}`);
		await alice.getByRole('heading', { name: 'Acme' }).waitFor();
		// Signing in with a code confirmed the session: adding a member goes straight through.
		await e2e.addMember(alice, 'bob');
		await e2e.row(alice, 'bob').waitFor();
		expect(await alice.getByRole('dialog', { name: 'Confirm it is you' }).isVisible()).toBe(false);

		// Eleven minutes later by the server's clock, the server refuses what this tab still thought confirmed,
		// and the change is asked again at once with a code prompt. Cancelling it leaves the saved role shown.
		offset += 11 * 60_000;
		const dialog = alice.getByRole('dialog', { name: 'Confirm it is you' });
		await e2e.setRole(alice, 'bob', 'Read Only');
		await alice.getByRole('dialog', { name: 'Change the role of bob?' }).getByRole('button', { name: 'Make Read Only' }).click();
		await dialog.waitFor();
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await expect.poll(() => dialog.isVisible()).toBe(false);
		await expect.poll(() => e2e.roleShown(alice, 'bob')).toBe('Member');
		await expect.poll(() => alice.locator('[data-testid=outbox-entry]').count()).toBe(0);

		// A second tab of the same session, open before the code is entered.
		const second = await alice.context().newPage();
		await second.goto(`/orgs/${orgId}`);
		await e2e.row(second, 'bob').waitFor();

		// Saving again asks for the code at once; a wrong one is refused in the prompt.
		await e2e.setRole(alice, 'bob', 'Read Only');
		await alice.getByRole('dialog', { name: 'Change the role of bob?' }).getByRole('button', { name: 'Make Read Only' }).click();
		await dialog.waitFor();
		await dialog.getByLabel('Authenticator code').fill('000000' === code() ? '111111' : '000000');
		await dialog.getByRole('button', { name: 'Confirm' }).click();
		await dialog.getByRole('alert').waitFor();
		await dialog.getByLabel('Authenticator code').fill(code());
		await dialog.getByRole('button', { name: 'Confirm' }).click();
		await expect.poll(() => dialog.isVisible()).toBe(false);
		await expect.poll(() => e2e.roleShown(alice, 'bob')).toBe('Read Only');
		// The role shows while pending; the entry leaves the panel when the verdict arrives.
		await expect.poll(() => alice.locator('[data-testid=outbox-entry]').count()).toBe(0);

		// Within the 10 minutes, no code is asked again, in this tab or the other: the code confirmed the session.
		await e2e.setRole(second, 'bob', 'Organization Owner');
		await second
			.getByRole('dialog', { name: 'Make bob an Organization Owner?' })
			.getByRole('button', { name: 'Make Organization Owner' })
			.click();
		await expect.poll(() => e2e.roleShown(second, 'bob')).toBe('Organization Owner');
		expect(await second.getByRole('dialog', { name: 'Confirm it is you' }).isVisible()).toBe(false);
		await expect.poll(() => e2e.roleShown(alice, 'bob')).toBe('Organization Owner');
		await second.close();
	});

	it('asks once for several changes sent together, and cancelling sends none', async () => {
		offset += 11 * 60_000;
		await alice.reload();
		await e2e.row(alice, 'bob').waitFor();
		const dialog = alice.getByRole('dialog', { name: 'Confirm it is you' });
		await e2e.addMember(alice, 'x@example.org y@example.org');
		await dialog.waitFor();
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await expect.poll(() => dialog.isVisible()).toBe(false);
		expect(await alice.getByText('x@example.org').count()).toBe(0);

		await e2e.addMember(alice, 'x@example.org y@example.org');
		await dialog.getByLabel('Authenticator code').fill(code());
		await dialog.getByRole('button', { name: 'Confirm' }).click();
		await alice.getByText('y@example.org', { exact: true }).first().waitFor();
		await alice.getByText('x@example.org', { exact: true }).first().waitFor();
		expect(await dialog.isVisible()).toBe(false);
	});

	it('a security change whose code prompt is cancelled leaves the settings as saved; confirmed, it is saved', async () => {
		offset += 11 * 60_000;
		await alice.goto(`/orgs/${orgId}/settings`);
		const security = alice.getByRole('region', { name: 'Security' });
		const dialog = alice.getByRole('dialog', { name: 'Confirm it is you' });
		const change = async () => {
			await security.getByRole('button', { name: 'Edit security settings' }).click();
			await security.getByLabel('Sign out after inactivity').selectOption({ label: '1 hour' });
			await security.getByRole('button', { name: 'Save security settings' }).click();
			await dialog.waitFor();
		};
		await change();
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await security.getByText('Nothing was changed: the two-factor prompt was cancelled.').waitFor();
		expect(await security.getByTestId('security-settings').textContent()).toContain('No idle limit');
		expect(await security.getByRole('combobox').count()).toBe(0);

		await change();
		await dialog.getByLabel('Authenticator code').fill(code());
		await dialog.getByRole('button', { name: 'Confirm' }).click();
		await expect.poll(() => security.getByTestId('security-settings').textContent()).toContain('1 hour');
		expect(await security.getByText('Nothing was changed').count()).toBe(0);
	});

	it('requires two-factor of every member: one without it only views', async () => {
		await alice.goto(`/orgs/${orgId}/settings`);
		const security = alice.getByRole('region', { name: 'Security' });
		await security.getByRole('button', { name: 'Edit security settings' }).click();
		await security.getByLabel('Require two-factor authentication for every member').check();
		await security.getByText('1 member does not use two-factor yet').waitFor();
		await security.getByLabel('Sign out after inactivity').selectOption({ label: '30 minutes' });
		await security.getByRole('button', { name: 'Save security settings' }).click();
		await expect.poll(() => alice.getByText('Saving').count()).toBe(0);

		const bob = await e2e.signIn('bob');
		await bob.goto(`/orgs/${orgId}`);
		await bob.getByText('Acme requires two-factor authentication').waitFor();
		// An owner, yet no controls: the add form and role editors are gone.
		await e2e.row(bob, 'alice').waitFor();
		expect(await bob.getByRole('form', { name: 'Add members' }).count()).toBe(0);
		expect(await bob.getByRole('button', { name: /^Edit role of/ }).count()).toBe(0);
		await bob.goto(`/orgs/${orgId}/settings`);
		await bob.getByRole('region', { name: 'Security' }).getByText('Required for every member').waitFor();
		await bob.getByRole('region', { name: 'Security' }).getByText('30 minutes').waitFor();
	});
});
