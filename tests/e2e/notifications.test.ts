import { afterAll, beforeAll, expect, it } from 'vitest';
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
	} = await e2e.startWithOrg('Acme Data', ['ann', 'bob']));
});
afterAll(() => e2e.stop());

it('the primary admin sets the channels; a membership change then alerts the email channel; members only see them', async () => {
	await ann.goto(`/orgs/${orgId}/settings`);
	const form = ann.getByRole('form', { name: 'Set the notification channels' });
	await form.getByLabel('Alert email').fill('alerts@example.org');
	await form.getByLabel('Webhook URL').fill('ftp://hooks.example.org/roster');
	await form.getByRole('button', { name: 'Save channels' }).click();
	await expect.poll(() => ann.getByRole('alert').textContent()).toContain('Enter an http:// or https:// URL');
	await form.getByLabel('Webhook URL').fill('');
	await form.getByRole('button', { name: 'Save channels' }).click();
	await expect.poll(() => ann.getByRole('alert').count()).toBe(0);

	await ann.goto(`/orgs/${orgId}`);
	await e2e.addMember(ann, 'bob');
	const alert = await e2e.mail('alerts@example.org');
	expect(alert.subject).toBe('Roster: membership of Acme Data changed');
	expect(alert.text).toContain('bob joined as Member');

	await bob.goto(`/orgs/${orgId}/settings`);
	const shown = bob.getByTestId('notification-channels');
	await expect.poll(() => shown.textContent()).toContain('alerts@example.org');
	expect(await bob.getByRole('button', { name: 'Save channels' }).count()).toBe(0);
});
