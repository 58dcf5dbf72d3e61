import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { E2E } from './harness.ts';

const e2e = new E2E();
let ann: Page;
let orgId = '';

beforeAll(async () => {
	({
		orgId,
		pages: { ann }
	} = await e2e.startWithOrg('Acme Data', ['ann'], ['carol', 'dave', 'erin']));
});
afterAll(() => e2e.stop());

const CSV = ['Username,Email,Role', 'carol,,Billing Admin', ',new.person@example.org,Read only', 'ann,,Member'].join('\r\n');

describe('bulk changes from a CSV file', () => {
	it('an owner pastes three rows, sees each verdict, sends the accepted ones, and the members page shows them', async () => {
		await ann.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Import' }).click();
		await ann.waitForURL(`**/orgs/${orgId}/import`);
		await ann.getByLabel('Rows, as CSV').fill(CSV);

		const row = (line: number) => ann.locator(`[data-testid=import-row][data-line="${line}"]`);
		await expect.poll(() => ann.locator('[data-testid=import-row]').count()).toBe(3);
		expect(await row(2).getAttribute('data-verdict')).toBe('added');
		expect(await row(2).textContent()).toContain('Add as Billing Admin');
		expect(await row(3).getAttribute('data-verdict')).toBe('invited');
		expect(await row(3).textContent()).toContain('Invite as Read Only');
		expect(await row(4).getAttribute('data-verdict')).toBe('refused');
		const reason = 'is the primary admin and stays an Organization Owner';
		expect(await row(4).textContent()).toContain(reason);
		// Nothing has been sent yet.
		expect(await ann.locator('[data-testid=outbox-entry]').count()).toBe(0);

		await ann.getByRole('button', { name: 'Send 2 accepted rows' }).click();
		await expect.poll(() => row(2).getAttribute('data-answer')).toBe('accepted');
		await expect.poll(() => row(3).getAttribute('data-answer')).toBe('accepted');
		await expect.poll(() => ann.getByTestId('import-progress').textContent()).toBe('Sent: 2 of 2 rows answered — 2 accepted.');
		// The refused row was not sent and keeps its reason.
		expect(await row(4).getAttribute('data-answer')).toBeNull();
		expect(await row(4).textContent()).toContain(reason);

		await ann.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Members' }).click();
		await expect.poll(() => e2e.roleShown(ann, 'carol')).toBe('Billing Admin');
		const invitation = ann.locator('[data-testid=invitation-row][data-email="new.person@example.org"]');
		await expect.poll(() => invitation.textContent()).toContain('Read Only');
		expect(await e2e.roleShown(ann, 'ann')).toBe('Organization Owner');
	});

	it('a username only the server can tell is unknown is sent, and its row shows the server’s refusal', async () => {
		await ann.goto(`/orgs/${orgId}/import`);
		await ann.getByLabel('Rows, as CSV').fill('username\nno.such.user');
		const row = ann.locator('[data-testid=import-row][data-line="2"]');
		// The browser knows members only: whether the name exists is the server's to say.
		await expect.poll(() => row.getAttribute('data-verdict')).toBe('added');
		await ann.getByRole('button', { name: 'Send 1 accepted row' }).click();
		await expect.poll(() => row.getAttribute('data-answer')).toBe('refused');
		expect(await row.textContent()).toContain('No Roster user is called “no.such.user”.');
		expect(await ann.getByTestId('import-progress').textContent()).toBe('Sent: 1 of 1 row answered — 1 refused.');
		// Refused here, where it is shown: it does not also wait in the pending panel.
		expect(await ann.locator('[data-testid=outbox-entry]').count()).toBe(0);
	});

	it('a row adding a user with an expiry sends the expiry once the add is answered, and the members page shows it', async () => {
		await ann.goto(`/orgs/${orgId}/import`);
		await ann.getByLabel('Rows, as CSV').fill('username,role,expires\ndave,Read only,2040-03-01');
		const row = ann.locator('[data-testid=import-row][data-line="2"]');
		await expect.poll(() => row.getAttribute('data-verdict')).toBe('added');
		expect(await row.textContent()).toContain('Membership ends on 1 March 2040');
		await ann.getByRole('button', { name: 'Send 1 accepted row' }).click();
		// The browser knew dave by a stand-in id: the expiry went with the id the server gave him.
		await expect.poll(() => row.getAttribute('data-answer')).toBe('accepted');

		await ann.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Members' }).click();
		await expect.poll(() => e2e.roleShown(ann, 'dave')).toBe('Read Only');
		await expect.poll(() => e2e.row(ann, 'dave').getByTestId('expiry').innerText()).toContain('until 1 March 2040');
	});

	it('offline, the add is queued but not its expiry (the new member’s id is not known yet), and the row says so', async () => {
		await ann.goto(`/orgs/${orgId}/import`);
		await ann.context().setOffline(true);
		await expect.poll(() => ann.getByTestId('sync-status').textContent()).toContain('Offline');
		await ann.getByLabel('Rows, as CSV').fill('username,expires\nerin,2040-03-01');
		const row = ann.locator('[data-testid=import-row][data-line="2"]');
		await expect.poll(() => row.getAttribute('data-verdict')).toBe('added');
		await ann.getByRole('button', { name: 'Send 1 accepted row' }).click();
		await expect.poll(() => row.getAttribute('data-answer')).toBe('refused');
		expect(await row.textContent()).toContain('Partly done, then: The expiry was not sent');

		await ann.context().setOffline(false);
		await ann.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Members' }).click();
		await expect.poll(() => ann.getByTestId('sync-status').textContent()).toMatch(/Online$/);
		await expect.poll(() => e2e.row(ann, 'erin').textContent()).not.toContain('pending');
		expect(await e2e.row(ann, 'erin').getByTestId('expiry').count()).toBe(0);
	});
});
