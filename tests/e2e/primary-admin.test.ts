import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { acmeOfAnnAndBob } from './harness.ts';

const acme = acmeOfAnnAndBob(['cat']);
const { e2e } = acme;
beforeAll(async () => {
	await e2e.addMember(acme.ann, 'bob cat');
	await e2e.row(acme.ann, 'cat').waitFor();
});

/** Controls only the primary admin has, across the members page (its row menus included) and the settings page. */
async function adminControls(page: Page) {
	await page.goto(`/orgs/${acme.orgId}`);
	await e2e.row(page, 'cat').waitFor();
	let members = await page.getByRole('button', { name: 'Create user' }).count();
	for (const username of ['bob', 'cat']) {
		// A plain member has no menu on others' rows.
		if (
			!(await e2e
				.row(page, username)
				.getByRole('button', { name: `Actions for ${username}` })
				.count())
		)
			continue;
		const menu = await e2e.rowMenu(page, username);
		members += await menu.getByRole('menuitem', { name: /^Make primary admin/ }).count();
		await page.keyboard.press('Escape');
		await menu.waitFor({ state: 'detached' });
	}
	await page.goto(`/orgs/${acme.orgId}/settings`);
	await page.getByRole('heading', { name: 'Contacts' }).waitFor();
	const settings = await page.getByRole('button', { name: /^(Close organization|Edit channels)$/ }).count();
	return members + settings;
}

describe('transferring primary admin (invariant 2)', () => {
	it('a transfer to a member whose email is not verified is not offered, and the row menu says why', async () => {
		const menu = await e2e.rowMenu(acme.ann, 'cat');
		const item = menu.getByRole('menuitem', { name: /^Make primary admin/ });
		expect(await item.getAttribute('aria-disabled')).toBe('true');
		expect(await item.textContent()).toContain('cat has not verified their email address yet');
		await item.click({ force: true });
		expect(await acme.ann.getByRole('dialog', { name: 'Transfer primary admin' }).isVisible()).toBe(false);
		await acme.ann.keyboard.press('Escape');
		expect(await e2e.row(acme.ann, 'ann').textContent()).toContain('primary admin');
	});

	it('to a verified member: the old admin loses the primary-admin-only controls and the new one gains them', async () => {
		const link = (await e2e.mail('bob@example.com')).text.match(/http:\/\/\S+\/api\/verify-email\?token=[\w-]+/)![0];
		await acme.bob.goto(link);
		await e2e.row(acme.ann, 'bob').waitFor();
		await expect.poll(() => e2e.row(acme.ann, 'bob').textContent()).not.toContain('unverified');
		// "Make primary admin" in the menus of bob and cat (disabled for cat), Create user, Close organization, Edit channels.
		expect(await adminControls(acme.bob)).toBe(0);
		expect(await adminControls(acme.ann)).toBe(5);

		await acme.ann.goto(`/orgs/${acme.orgId}`);
		await (await e2e.rowMenu(acme.ann, 'bob')).getByRole('menuitem', { name: 'Make primary admin…' }).click();
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
