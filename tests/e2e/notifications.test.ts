import { expect, it } from 'vitest';
import { acmeOfAnnAndBob } from './harness.ts';

const acme = acmeOfAnnAndBob();
const { e2e } = acme;

it('the primary admin sets the channels; a membership change then alerts the email channel; members only see them', async () => {
	await acme.ann.goto(`/orgs/${acme.orgId}/settings`);
	const form = acme.ann.getByRole('form', { name: 'Set the notification channels' });
	await form.getByLabel('Alert email').fill('alerts@example.org');
	await form.getByLabel('Webhook URL').fill('ftp://hooks.example.org/roster');
	await form.getByRole('button', { name: 'Save channels' }).click();
	await expect.poll(() => acme.ann.getByRole('alert').textContent()).toContain('Enter an http:// or https:// URL');
	await form.getByLabel('Webhook URL').fill('');
	await form.getByRole('button', { name: 'Save channels' }).click();
	await expect.poll(() => acme.ann.getByRole('alert').count()).toBe(0);

	await acme.ann.goto(`/orgs/${acme.orgId}`);
	await e2e.addMember(acme.ann, 'bob');
	const alert = await e2e.mail('alerts@example.org');
	expect(alert.subject).toBe('Roster: membership of Acme Data changed');
	expect(alert.text).toContain('bob joined as Member');

	await acme.bob.goto(`/orgs/${acme.orgId}/settings`);
	const shown = acme.bob.getByTestId('notification-channels');
	await expect.poll(() => shown.textContent()).toContain('alerts@example.org');
	expect(await acme.bob.getByRole('button', { name: 'Save channels' }).count()).toBe(0);
});
