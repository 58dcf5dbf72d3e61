import { expect, it } from 'vitest';
import { acmeOfAnnAndBob } from './harness.ts';

const acme = acmeOfAnnAndBob(['cat']);
const { e2e } = acme;
const panel = () => acme.ann.getByRole('region', { name: 'Notification channels' });
const form = () => panel().getByRole('form', { name: 'Set the notification channels' });

it('the primary admin sets the channels; a membership change then alerts the email channel; members only see them', async () => {
	await acme.ann.goto(`/orgs/${acme.orgId}/settings`);
	await panel().getByRole('button', { name: 'Edit channels' }).click();
	await form().getByLabel('Alert email').fill('alerts@example.org');
	await form().getByLabel('Webhook URL').fill('ftp://hooks.example.org/roster');
	await form().getByRole('button', { name: 'Save channels' }).click();
	// Refused at its field before anything is sent, the input kept.
	await expect.poll(() => form().getByRole('alert').textContent()).toContain('Enter an http:// or https:// URL');
	expect(await form().getByLabel('Webhook URL').inputValue()).toBe('ftp://hooks.example.org/roster');
	await form().getByLabel('Webhook URL').fill('');
	await form().getByRole('button', { name: 'Save channels' }).click();
	await expect.poll(() => form().count()).toBe(0);
	expect(await panel().getByTestId('notification-channels').textContent()).toContain('alerts@example.org');

	await acme.ann.goto(`/orgs/${acme.orgId}`);
	await e2e.addMember(acme.ann, 'bob');
	const alert = await e2e.mail('alerts@example.org');
	expect(alert.subject).toBe('Roster: membership of Acme Data changed');
	expect(alert.text).toContain('bob joined as Member');

	await acme.bob.goto(`/orgs/${acme.orgId}/settings`);
	const shown = acme.bob.getByTestId('notification-channels');
	await expect.poll(() => shown.textContent()).toContain('alerts@example.org');
	expect(await acme.bob.getByRole('button', { name: 'Edit channels' }).count()).toBe(0);
});

it('a webhook at a private address is refused at its field, the input kept; cancelled, the panel shows what is saved', async () => {
	await acme.ann.goto(`/orgs/${acme.orgId}/settings`);
	await panel().getByRole('button', { name: 'Edit channels' }).click();
	await form().getByLabel('Webhook URL').fill('http://127.0.0.1:8080/hooks/roster');
	await form().getByRole('button', { name: 'Save channels' }).click();
	const field = form().getByRole('alert');
	await expect
		.poll(() => field.textContent())
		.toBe('Roster does not post alerts to private or local addresses such as 127.0.0.1: use an address reachable from the internet.');
	expect(await form().getByLabel('Webhook URL').inputValue()).toBe('http://127.0.0.1:8080/hooks/roster');
	expect(await form().getByLabel('Webhook URL').getAttribute('aria-invalid')).toBe('true');
	// Answered where it was made: nothing refused waits in the pending changes.
	expect(await acme.ann.locator('[data-testid=outbox-entry]').count()).toBe(0);

	await form().getByLabel('Webhook URL').press('Escape');
	await expect.poll(() => form().count()).toBe(0);
	const channels = panel().getByTestId('notification-channels');
	expect(await channels.textContent()).toMatch(/Webhook\s*None/);
	expect(await channels.textContent()).not.toContain('127.0.0.1');
});

it("the last delivery's outcome is shown beside the webhook", async () => {
	await acme.ann.goto(`/orgs/${acme.orgId}/settings`);
	await panel().getByRole('button', { name: 'Edit channels' }).click();
	// A name that never resolves: accepted when set (it may yet), each delivery then fails.
	await form().getByLabel('Webhook URL').fill('http://roster-test.invalid/hooks/roster?token=s3cret');
	await form().getByRole('button', { name: 'Save channels' }).click();
	await expect.poll(() => form().count()).toBe(0);
	await expect.poll(() => panel().getByTestId('webhook-set').textContent()).toContain('Alerts are posted to http://roster-test.invalid/…');
	const last = panel().getByTestId('last-delivery');
	await expect.poll(() => last.textContent()).toContain('No alert posted yet.');

	await acme.ann.goto(`/orgs/${acme.orgId}`);
	await e2e.addMember(acme.ann, 'cat');
	await e2e.mail('alerts@example.org');
	await acme.ann.goto(`/orgs/${acme.orgId}/settings`);
	await expect
		.poll(async () => {
			await last.getByRole('button', { name: 'Refresh' }).click();
			return last.textContent();
		})
		.toMatch(/Failed at \d{1,2}:\d{2}.*: the host name was not found\./);
});
