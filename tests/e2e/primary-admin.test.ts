import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { E2E } from './harness.ts';

const e2e = new E2E();
let ann: Page;
let bob: Page;
let orgId: string;

beforeAll(async () => {
	({
		orgId,
		pages: { ann, bob }
	} = await e2e.startWithOrg('Acme Data', ['ann', 'bob'], ['cat']));
	await e2e.addMember(ann, 'bob cat');
	await e2e.row(ann, 'cat').waitFor();
});
afterAll(() => e2e.stop());

/** Controls only the primary admin has, across the members and settings pages. */
async function adminControls(page: Page) {
	await page.goto(`/orgs/${orgId}`);
	await e2e.row(page, 'cat').waitFor();
	const members = await page.getByRole('button', { name: /^(Make primary admin|Create user)$/ }).count();
	await page.goto(`/orgs/${orgId}/settings`);
	await page.getByRole('heading', { name: 'Contacts' }).waitFor();
	const settings = await page.getByRole('button', { name: /^(Close organization|Save channels)$/ }).count();
	return members + settings;
}

describe('transferring primary admin (invariant 2)', () => {
	it('a transfer to a member whose email is not verified is refused, with its reason shown', async () => {
		await e2e.row(ann, 'cat').getByRole('button', { name: 'Make primary admin' }).click();
		await ann.getByRole('dialog', { name: 'Transfer primary admin' }).getByRole('button', { name: 'Make primary admin' }).click();
		const refused = ann.locator('[data-testid=outbox-entry][data-status=refused]');
		await refused.waitFor();
		expect(await refused.textContent()).toContain('cat has not verified their email address yet');
		expect(await e2e.row(ann, 'ann').textContent()).toContain('primary admin');
		await refused.getByRole('button', { name: 'Discard' }).click();
	});

	it('to a verified member: the old admin loses the primary-admin-only controls and the new one gains them', async () => {
		const link = (await e2e.mail('bob@example.com')).text.match(/http:\/\/\S+\/api\/verify-email\?token=[\w-]+/)![0];
		await bob.goto(link);
		await e2e.row(ann, 'bob').waitFor();
		await expect.poll(() => e2e.row(ann, 'bob').textContent()).not.toContain('unverified');
		// "Make primary admin" on bob and cat, Create user, Close organization, Save channels.
		expect(await adminControls(bob)).toBe(0);
		expect(await adminControls(ann)).toBe(5);

		await ann.goto(`/orgs/${orgId}`);
		await e2e.row(ann, 'bob').getByRole('button', { name: 'Make primary admin' }).click();
		await ann.getByRole('dialog', { name: 'Transfer primary admin' }).getByRole('button', { name: 'Make primary admin' }).click();
		await expect.poll(() => e2e.row(ann, 'bob').textContent()).toContain('primary admin');
		await expect.poll(() => e2e.row(ann, 'bob').textContent()).not.toContain('pending');
		expect(await e2e.row(ann, 'ann').textContent()).not.toContain('primary admin');
		// The old admin stays an Organization Owner.
		expect(await ann.getByText('Your role: Organization Owner', { exact: true }).count()).toBe(1);

		expect(await adminControls(ann)).toBe(0);
		expect(await adminControls(bob)).toBe(5);
		await bob.goto(`/orgs/${orgId}`);
		await expect.poll(() => bob.getByText('Your role: Organization Owner · primary admin').count()).toBe(1);
	});
});
