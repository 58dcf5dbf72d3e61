import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { TestClient } from '../server/test-client.ts';
import { E2E } from './harness.ts';

const e2e = new E2E();
beforeAll(() => e2e.start());
afterAll(() => e2e.stop());

let ann: Page;
let bob: Page;

it('the activity feed lists accepted and refused changes, filterable, and is hidden from plain members', async () => {
	ann = await e2e.signUp(await e2e.context(), 'ann');
	bob = await e2e.signUp(await e2e.context(), 'bob');
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

/** How far the page's own content reaches past the window's right edge (0: it fits). */
const overflow = (page: Page) =>
	page.evaluate(() =>
		Math.max(
			0,
			...['main table', 'form[aria-label="Filter activity"]'].map(
				(s) => (document.querySelector(s)?.getBoundingClientRect().right ?? 0) - innerWidth
			)
		)
	);

it('names what each change acted on as it was then, fits a phone, and says when nothing matches', async () => {
	// The changes go over ann's own session (the teams and members pages are tested on their own); the feed is what is tested here.
	const cookie = (await ann.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
	const socket = await TestClient.connect(e2e.server.port, cookie);
	const bobId = (await e2e.server.accounts.userByUsername('bob'))!.id;
	const orgId = 'history';
	for (const mutation of [
		{ type: 'org.create', name: 'History Inc' },
		{ type: 'member.add', username: 'bob', role: 'ORG_MEMBER' },
		{ type: 'team.create', teamId: 't-front', name: 'Frontend' },
		{ type: 'team.addMember', teamId: 't-front', userId: bobId },
		{ type: 'team.rename', teamId: 't-front', name: 'Web' },
		{ type: 'team.delete', teamId: 't-front' },
		{ type: 'member.remove', userId: bobId }
	])
		expect(await socket.mutate({ orgId, ...mutation })).toMatchObject({ ok: true });
	socket.close();

	await ann.goto(`/orgs/${orgId}/activity`);
	const rows = ann.getByTestId('activity');
	await expect.poll(() => rows.count()).toBe(7);
	const texts = await rows.allTextContents();
	expect(texts).toEqual([
		expect.stringContaining('Remove bob'),
		expect.stringContaining('Delete team Web'),
		expect.stringContaining('Rename team Frontend to “Web”'),
		expect.stringContaining('Add bob to team Frontend'),
		expect.stringContaining('Create team “Frontend”'),
		expect.stringContaining('Add bob as Member'),
		expect.stringContaining('Create organization “History Inc”')
	]);
	expect(texts.join(' ')).not.toMatch(/a former member|a deleted team/);
	await expect.poll(() => ann.title()).toBe('Activity · History Inc · Roster');

	// A table with headers at desk width; on a phone one card per entry, the headers kept for screen readers, nothing past the edge.
	expect(await ann.getByRole('columnheader').allTextContents()).toEqual(['When', 'Who', 'What', 'Verdict']);
	expect(await overflow(ann)).toBe(0);
	await ann.setViewportSize({ width: 390, height: 800 });
	expect(await overflow(ann)).toBe(0);
	expect(await ann.getByRole('columnheader', { name: 'What' }).count()).toBe(1);
	expect(await ann.getByRole('row').filter({ hasText: 'Rename team Frontend to “Web”' }).count()).toBe(1);

	// A filter nothing matches says so, and clearing the filters brings every entry back.
	const filters = ann.getByRole('form', { name: 'Filter activity' });
	await filters.getByLabel('Kind').selectOption({ label: 'Join requests' });
	await ann.getByText('No entries match these filters.').waitFor();
	await filters.getByRole('button', { name: 'Clear filters' }).click();
	await expect.poll(() => rows.count()).toBe(7);
});
