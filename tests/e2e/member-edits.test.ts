import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { acmeOfAnnAndBob } from './harness.ts';

const acme = acmeOfAnnAndBob(['carol', 'dave', 'erin']);
const { e2e } = acme;

const outbox = (page: Page) => page.locator('[data-testid=outbox-entry]');
const editor = (page: Page, username: string) => page.getByRole('form', { name: `Edit role of ${username}` });

describe('deliberate role edits', () => {
	it('adds several at once: says who was added, keeps only the unknown username in the input with its reason', async () => {
		await e2e.addMember(acme.ann, 'bob', 'Organization Owner');
		await e2e.row(acme.ann, 'bob').waitFor();
		await e2e.addMember(acme.ann, 'carol, nobody dave');
		const form = acme.ann.getByRole('form', { name: 'Add members' });
		const added = acme.ann.getByRole('status', { name: 'Added and invited' });
		await expect.poll(() => added.textContent()).toContain('Added dave.');
		expect(await added.textContent()).toContain('Added carol.');
		expect(await form.getByLabel('Usernames or emails').inputValue()).toBe('nobody');
		expect(await acme.ann.getByRole('alert').allTextContents()).toContain('No Roster user is called “nobody”.');
		expect(await form.getByLabel('Usernames or emails').getAttribute('aria-invalid')).toBe('true');
		// Nothing waits in the pending panel: the refusal was said at the field.
		expect(await outbox(acme.ann).count()).toBe(0);
		// A local check answers before anything is sent.
		await e2e.addMember(acme.ann, 'carol');
		await acme.ann.getByText('carol is already a member', { exact: false }).waitFor();
		expect(await outbox(acme.ann).count()).toBe(0);
		await acme.bob.goto(`/orgs/${acme.orgId}`);
		await e2e.row(acme.bob, 'dave').waitFor();
	});

	it('arrow keys over the role control change nothing until Save, and Escape cancels', async () => {
		await e2e.row(acme.ann, 'carol').getByRole('button', { name: 'Edit role of carol' }).click();
		const select = editor(acme.ann, 'carol').getByLabel('Role of carol');
		await expect.poll(() => select.evaluate((el) => el === document.activeElement)).toBe(true);
		for (let i = 0; i < 3; i++) await acme.ann.keyboard.press('ArrowUp');
		expect(await select.inputValue()).not.toBe('ORG_MEMBER');
		expect(await outbox(acme.ann).count()).toBe(0);
		await acme.ann.keyboard.press('Escape');
		await editor(acme.ann, 'carol').waitFor({ state: 'detached' });
		expect(await e2e.roleShown(acme.ann, 'carol')).toBe('Member');
		expect(await e2e.roleShown(acme.bob, 'carol')).toBe('Member');
		expect(await outbox(acme.ann).count()).toBe(0);

		// Enter on the control saves what it shows: one change.
		await e2e.row(acme.ann, 'carol').getByRole('button', { name: 'Edit role of carol' }).click();
		await select.selectOption({ label: 'Project Creator' });
		await select.press('Enter');
		await expect.poll(() => e2e.roleShown(acme.bob, 'carol')).toBe('Project Creator');
	});

	it('a promotion to owner says what it gives, and cancelling it changes nothing', async () => {
		await e2e.setRole(acme.ann, 'carol', 'Organization Owner');
		const confirm = acme.ann.getByRole('dialog', { name: 'Make carol an Organization Owner?' });
		expect(await confirm.textContent()).toContain(
			'Organization Owners can rename the organization, add or remove members or change their roles'
		);
		expect(await confirm.textContent()).toContain('be Owner of every project');
		await confirm.getByRole('button', { name: 'Cancel' }).click();
		await acme.ann.keyboard.press('Escape');
		await editor(acme.ann, 'carol').waitFor({ state: 'detached' });
		expect(await e2e.roleShown(acme.ann, 'carol')).toBe('Project Creator');
		expect(await outbox(acme.ann).count()).toBe(0);
		expect(await e2e.roleShown(acme.bob, 'carol')).toBe('Project Creator');
	});

	it('a role change the server refuses leaves the row showing the saved role, with the reason at the row', async () => {
		// bob's page hears no document updates for a while (verdicts still come), so it does not know dave has gone.
		let hold = true;
		await acme.bob.routeWebSocket(/\/sync$/, (ws) => {
			const server = ws.connectToServer();
			ws.onMessage((m) => server.send(m));
			server.onMessage((m) => {
				if (!hold || typeof m === 'string') ws.send(m);
			});
		});
		await acme.bob.reload();
		await e2e.row(acme.bob, 'dave').waitFor();
		await (await e2e.rowMenu(acme.ann, 'dave')).getByRole('menuitem', { name: 'Remove from organization…' }).click();
		await acme.ann.getByRole('dialog', { name: 'Remove member' }).getByRole('button', { name: 'Remove' }).click();
		await expect.poll(() => e2e.row(acme.ann, 'dave').count()).toBe(0);

		await e2e.setRole(acme.bob, 'dave', 'Billing Viewer');
		const row = e2e.row(acme.bob, 'dave');
		await expect.poll(() => row.getByRole('alert').textContent()).toContain('That user is not a member of this organization.');
		expect(await e2e.roleShown(acme.bob, 'dave')).toBe('Member');
		expect(await outbox(acme.bob).count()).toBe(0);
		hold = false;
		await acme.bob.unrouteAll();
		await acme.bob.reload();
		await expect.poll(() => e2e.row(acme.bob, 'dave').count()).toBe(0);
	});

	it('"Make primary admin" is only in the row menu, disabled with the reason where it is not possible', async () => {
		expect(await acme.ann.getByRole('button', { name: 'Make primary admin' }).count()).toBe(0);
		const menu = await e2e.rowMenu(acme.ann, 'carol');
		const item = menu.getByRole('menuitem', { name: /Make primary admin/ });
		expect(await item.getAttribute('aria-disabled')).toBe('true');
		expect(await item.textContent()).toContain('carol has not verified their email address yet');
		await acme.ann.keyboard.press('Escape');
		// bob, an owner but not the primary admin, is not offered it at all.
		const bobs = await e2e.rowMenu(acme.bob, 'carol');
		const items = await bobs.getByRole('menuitem').allInnerTexts();
		expect(items).toContain('Remove from organization…');
		expect(items.filter((i) => /primary admin/i.test(i))).toEqual([]);
		await acme.bob.keyboard.press('Escape');
	});

	it('filters by role and two-factor, and sorts by a column', async () => {
		expect(await e2e.row(acme.ann, 'ann').evaluate((el) => getComputedStyle(el).display)).toBe('table-row');
		const names = () =>
			acme.ann.locator('[data-testid=member-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-username')));
		expect(await names()).toEqual(['ann', 'bob', 'carol']);
		const find = acme.ann.getByRole('search', { name: 'Find members' });
		await find.getByLabel('Role').selectOption({ label: 'Project Creator' });
		await expect.poll(names).toEqual(['carol']);
		await find.getByLabel('Role').selectOption({ label: 'Any role' });
		await find.getByLabel('Two-factor').selectOption({ label: 'Uses 2FA' });
		await expect.poll(names).toEqual([]);
		await acme.ann.getByText('No member matches these filters.').waitFor();
		await find.getByLabel('Two-factor').selectOption({ label: 'Either' });
		await find.getByLabel('Search').fill('CAR');
		await expect.poll(names).toEqual(['carol']);
		await find.getByLabel('Search').fill('');

		const user = acme.ann.getByRole('columnheader', { name: /User/ });
		await user.getByRole('button').click();
		await expect.poll(names).toEqual(['carol', 'bob', 'ann']);
		expect(await user.getAttribute('aria-sort')).toBe('descending');
		await acme.ann.getByRole('columnheader', { name: /Role/ }).getByRole('button').click();
		// In the role table's order: owners first, then project creators.
		await expect.poll(names).toEqual(['ann', 'bob', 'carol']);
	});

	it('at 390 and 360 px the members are cards and nothing scrolls sideways', async () => {
		for (const width of [390, 360]) {
			const context = await e2e.browser.newContext({ baseURL: e2e.url, viewport: { width, height: 800 } });
			const page = await e2e.signIn('ann', { page: await context.newPage() });
			await page.goto(`/orgs/${acme.orgId}`);
			const row = e2e.row(page, 'carol');
			await row.waitFor();
			// A card: the row is laid out on its own, not as a table row.
			expect(await row.evaluate((el) => getComputedStyle(el).display)).not.toBe('table-row');
			const panel = page.locator('section.panel', { has: row });
			const box = await panel.evaluate((el) => ({ right: el.getBoundingClientRect().right, overflow: el.scrollWidth - el.clientWidth }));
			expect(box.right).toBeLessThanOrEqual(width);
			expect(box.overflow).toBe(0);
			expect(await row.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
			// The list's own box does not scroll sideways either.
			expect(await row.evaluate((el) => el.closest('table')!.getBoundingClientRect().right)).toBeLessThanOrEqual(width);
			await page.context().close();
		}
	});
});
