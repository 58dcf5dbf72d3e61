import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { E2E } from './harness.ts';

/**
 * rules §2 "History" in the browser: an owner changes a member's role, then opens the moment before
 * and sees the old role, and the change between the two moments named with who made it. The server's
 * clock runs behind the real one while the organization is made, so the moments are hours apart.
 */
const HOUR = 3_600_000;
let behind = 2 * HOUR;
const e2e = new E2E();
beforeAll(() => e2e.start({ now: () => Date.now() - behind }));
afterAll(() => e2e.stop());

/** A time as the page's datetime-local input takes it, in the browser's own time zone (to the second). */
const asInput = (page: Page, ms: number) =>
	page.evaluate((ms) => {
		const d = new Date(ms);
		const p = (n: number) => String(n).padStart(2, '0');
		return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
	}, ms);

it('shows the organization as it was before a role change, and names the change and who made it', async () => {
	const ann = await e2e.signUp(await e2e.context(), 'ann');
	await (await e2e.signUp(await e2e.context(), 'bob')).context().close();
	const orgId = await e2e.createOrg(ann, 'Acme Data');
	await e2e.addMember(ann, 'bob');
	await e2e.row(ann, 'bob').waitFor();
	const before = Date.now() - HOUR - HOUR / 2;
	behind = HOUR;
	await e2e.setRole(ann, 'bob', 'Read Only');
	await ann.getByRole('dialog', { name: 'Change the role of bob?' }).getByRole('button', { name: 'Make Read Only' }).click();
	await expect.poll(() => e2e.roleShown(ann, 'bob')).toBe('Read Only');
	behind = 0;

	await ann.getByRole('link', { name: 'History' }).click();
	await ann.waitForURL(`**/orgs/${orgId}/history`);
	const form = ann.getByRole('form', { name: 'Pick a moment' });
	await form.getByLabel('As of').fill(await asInput(ann, before));
	await form.getByLabel('Compare with (later, optional)').fill(await asInput(ann, Date.now()));
	await form.getByRole('button', { name: 'Show' }).click();

	const bob = ann.locator('[data-testid=history-member][data-username=bob]');
	await expect.poll(() => bob.getByTestId('history-role').textContent()).toBe('Member');
	const changes = ann.getByTestId('history-change');
	await expect.poll(() => changes.count()).toBe(2);
	expect(await changes.nth(0).textContent()).toMatch(/lost.*bob: Member in the organization.*ann.*member\.setRole/);
	expect(await changes.nth(1).textContent()).toMatch(/gained.*bob: Read Only in the organization.*ann.*member\.setRole/);
	// The moments are in the address: opened again, the page shows the same.
	await ann.reload();
	await expect.poll(() => bob.getByTestId('history-role').textContent()).toBe('Member');
	await expect.poll(() => changes.count()).toBe(2);
});
