import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { acmeOfAnnAndBob } from './harness.ts';

const acme = acmeOfAnnAndBob(['cat']);
const { e2e } = acme;
beforeAll(async () => {
	await e2e.addMember(acme.ann, 'bob cat');
	await e2e.row(acme.ann, 'cat').waitFor();
});

/** Controls only the primary admin has, across the members and settings pages. */
async function adminControls(page: Page) {
	await page.goto(`/orgs/${acme.orgId}`);
	await e2e.row(page, 'cat').waitFor();
	const members = await page.getByRole('button', { name: /^(Make primary admin|Create user)$/ }).count();
	await page.goto(`/orgs/${acme.orgId}/settings`);
	await page.getByRole('heading', { name: 'Contacts' }).waitFor();
	const settings = await page.getByRole('button', { name: /^(Close organization|Edit channels)$/ }).count();
	return members + settings;
}

describe('transferring primary admin (invariant 2)', () => {
	it('a transfer to a member whose email is not verified is refused, with its reason shown', async () => {
		await e2e.row(acme.ann, 'cat').getByRole('button', { name: 'Make primary admin' }).click();
		await acme.ann.getByRole('dialog', { name: 'Transfer primary admin' }).getByRole('button', { name: 'Make primary admin' }).click();
		const refused = acme.ann.locator('[data-testid=outbox-entry][data-status=refused]');
		await refused.waitFor();
		expect(await refused.textContent()).toContain('cat has not verified their email address yet');
		expect(await e2e.row(acme.ann, 'ann').textContent()).toContain('primary admin');
		await refused.getByRole('button', { name: 'Discard' }).click();
	});

	it('to a verified member: the old admin loses the primary-admin-only controls and the new one gains them', async () => {
		const link = (await e2e.mail('bob@example.com')).text.match(/http:\/\/\S+\/api\/verify-email\?token=[\w-]+/)![0];
		await acme.bob.goto(link);
		await e2e.row(acme.ann, 'bob').waitFor();
		await expect.poll(() => e2e.row(acme.ann, 'bob').textContent()).not.toContain('unverified');
		// "Make primary admin" on bob and cat, Create user, Close organization, Edit channels.
		expect(await adminControls(acme.bob)).toBe(0);
		expect(await adminControls(acme.ann)).toBe(5);

		await acme.ann.goto(`/orgs/${acme.orgId}`);
		await e2e.row(acme.ann, 'bob').getByRole('button', { name: 'Make primary admin' }).click();
		await acme.ann.getByRole('dialog', { name: 'Transfer primary admin' }).getByRole('button', { name: 'Make primary admin' }).click();
		await expect.poll(() => e2e.row(acme.ann, 'bob').textContent()).toContain('primary admin');
		await expect.poll(() => e2e.row(acme.ann, 'bob').textContent()).not.toContain('pending');
		expect(await e2e.row(acme.ann, 'ann').textContent()).not.toContain('primary admin');
		// The old admin stays an Organization Owner.
		expect(await acme.ann.getByText('Your role: Organization Owner', { exact: true }).count()).toBe(1);

		expect(await adminControls(acme.ann)).toBe(0);
		expect(await adminControls(acme.bob)).toBe(5);
		await acme.bob.goto(`/orgs/${acme.orgId}`);
		await expect.poll(() => acme.bob.getByText('Your role: Organization Owner · primary admin').count()).toBe(1);
	});
});
