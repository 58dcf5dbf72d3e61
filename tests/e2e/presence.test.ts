import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { acmeOfAnnAndBob } from './harness.ts';

const acme = acmeOfAnnAndBob(['carol']);
const { e2e } = acme;

const bar = (page: Page) => page.getByRole('region', { name: 'Who else is here' });
const present = (page: Page) => bar(page).locator('[data-testid=present]');
const mark = (page: Page, username: string) => e2e.row(page, username).getByTestId('editing-mark');

describe('presence: two admins on one organization', () => {
	it('each sees the other on the members page, and the row the other is editing', async () => {
		await e2e.addMember(acme.ann, 'bob', 'Organization Owner');
		await e2e.addMember(acme.ann, 'carol');
		await e2e.row(acme.ann, 'carol').waitFor();
		await acme.bob.goto(`/orgs/${acme.orgId}`);
		await e2e.row(acme.bob, 'carol').waitFor();

		await expect.poll(() => present(acme.ann).allInnerTexts()).toEqual([expect.stringMatching(/^B\s+bob\b/)]);
		await expect.poll(() => present(acme.bob).allInnerTexts()).toEqual([expect.stringMatching(/^A\s+ann\b/)]);
		expect(await present(acme.ann).getAttribute('title')).toMatch(/^bob \(bob\), here since \d\d:\d\d( [AP]M)?$/);
		// Nobody is listed as someone else to themselves.
		expect(await present(acme.ann).getAttribute('data-username')).toBe('bob');

		await e2e.row(acme.bob, 'carol').getByRole('button', { name: 'Edit role of carol' }).click();
		await expect.poll(() => mark(acme.ann, 'carol').textContent()).toContain("bob is changing carol's role");
		expect(await mark(acme.ann, 'bob').count()).toBe(0);
		// The editor's own page marks nothing.
		expect(await mark(acme.bob, 'carol').count()).toBe(0);

		await acme.bob.getByRole('form', { name: 'Edit role of carol' }).getByRole('button', { name: 'Cancel' }).click();
		await expect.poll(() => mark(acme.ann, 'carol').count()).toBe(0);

		// A second tab of Bob's browser (a follower: the first holds the socket) is where he looks now: one entry, on Teams.
		const second = await acme.bob.context().newPage();
		await second.goto(`/orgs/${acme.orgId}/teams`);
		await expect.poll(() => bar(acme.ann).getByTestId('elsewhere').textContent()).toBe('Elsewhere in Acme Data: bob (Teams)');
		expect(await present(acme.ann).count()).toBe(0);
		// Headless Chromium moves no window focus between tabs: the focus a click there would bring is dispatched.
		await acme.bob.evaluate(() => window.dispatchEvent(new FocusEvent('focus')));
		await expect.poll(() => present(acme.ann).allInnerTexts()).toEqual([expect.stringMatching(/^B\s+bob\b/)]);
		await second.close();

		// Bob moves to the teams page: elsewhere in Acme, then gone when his page closes.
		await acme.bob.getByRole('link', { name: 'Teams' }).click();
		await expect.poll(() => present(acme.ann).count()).toBe(0);
		await expect.poll(() => bar(acme.ann).getByTestId('elsewhere').textContent()).toBe('Elsewhere in Acme Data: bob (Teams)');
		// A page with no presence (his account) takes him off the organization, and coming back puts him on again.
		await acme.bob.getByRole('link', { name: 'Account', exact: true }).click();
		await expect.poll(() => bar(acme.ann).count()).toBe(0);
		await acme.bob.goBack();
		await expect.poll(() => bar(acme.ann).getByTestId('elsewhere').textContent()).toBe('Elsewhere in Acme Data: bob (Teams)');

		// The project page: the project's own presence, and a row whose roles bob edits.
		await acme.ann.getByRole('link', { name: 'Projects' }).click();
		await acme.ann.getByLabel('Project name').fill('Apollo');
		await acme.ann.getByRole('button', { name: 'Create project' }).click();
		await acme.ann.getByRole('heading', { name: /Apollo/ }).waitFor();
		await acme.ann
			.getByRole('form', { name: 'Add users' })
			.getByRole('textbox', { name: /Add users/ })
			.fill('carol');
		await acme.ann.getByRole('button', { name: 'Add or invite' }).click();
		await acme.ann.getByRole('button', { name: 'Edit roles of carol' }).waitFor();
		await acme.bob.goto(acme.ann.url());
		await expect.poll(() => present(acme.ann).allInnerTexts()).toEqual([expect.stringMatching(/^B\s+bob\b/)]);
		// Ann created the project a moment ago: her presence there was taken as soon as the server sent it to her socket.
		await expect.poll(() => present(acme.bob).allInnerTexts()).toEqual([expect.stringMatching(/^A\s+ann\b/)]);
		await acme.bob.getByRole('button', { name: 'Edit roles of carol' }).click();
		const carol = acme.ann.locator('[data-testid=project-user][data-username=carol]');
		await expect.poll(() => carol.getByTestId('editing-mark').textContent()).toContain("bob is changing carol's roles");
		await acme.bob.getByRole('form', { name: 'Edit roles of carol' }).getByRole('button', { name: 'Cancel' }).click();
		await expect.poll(() => carol.getByTestId('editing-mark').count()).toBe(0);

		await acme.bob.close();
		await expect.poll(() => bar(acme.ann).count()).toBe(0);
		expect(await acme.ann.getByTestId('presence-announcement').textContent()).toBe('bob left this page.');
	});
});
