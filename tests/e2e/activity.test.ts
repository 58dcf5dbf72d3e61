import { afterAll, beforeAll, expect, it } from 'vitest';
import { E2E } from './harness.ts';

const e2e = new E2E();
beforeAll(() => e2e.start());
afterAll(() => e2e.stop());

it('the activity feed lists accepted and refused changes, filterable, and is hidden from plain members', async () => {
	const ann = await e2e.signUp(await e2e.context(), 'ann');
	const bob = await e2e.signUp(await e2e.context(), 'bob');
	const orgId = await e2e.createOrg(ann, 'Acme Data');
	await e2e.addMember(ann, 'bob');
	await e2e.addMember(ann, 'nobody');
	// Refused at the field, where it was typed; the activity feed still records the attempt.
	await ann.getByText('No Roster user is called “nobody”.').waitFor();

	await ann.getByRole('link', { name: 'Activity' }).click();
	const rows = ann.getByTestId('activity');
	await expect.poll(() => rows.count()).toBe(3);
	expect(await rows.nth(0).textContent()).toContain('Add nobody as Member');
	expect(await rows.nth(0).textContent()).toContain('refused');
	expect(await rows.nth(1).textContent()).toMatch(/ann.*Add bob as Member.*accepted/);
	expect(await rows.nth(2).textContent()).toContain('Create organization “Acme Data”');

	await ann.getByRole('form', { name: 'Filter activity' }).getByLabel('User').selectOption({ label: 'bob' });
	await expect.poll(() => rows.count()).toBe(1);
	await ann.getByRole('form', { name: 'Filter activity' }).getByLabel('User').selectOption({ label: 'Anyone' });
	await ann.getByRole('form', { name: 'Filter activity' }).getByLabel('Kind').selectOption({ label: 'Organization' });
	await expect.poll(() => rows.count()).toBe(1);

	await bob.goto(`/orgs/${orgId}`);
	await e2e.row(bob, 'ann').waitFor();
	expect(await bob.getByRole('link', { name: 'Activity' }).count()).toBe(0);
	await bob.goto(`/orgs/${orgId}/activity`);
	await expect.poll(() => bob.getByRole('alert').textContent()).toContain('Only organization owners and read-only members');
});
