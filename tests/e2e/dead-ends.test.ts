import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { E2E, send } from './harness.ts';

// Every state that used to end in "Not available", an empty list or a bare sign-in page says what happened and what next.
const e2e = new E2E();
let ann: Page;
let orgId: string;
beforeAll(async () => {
	await e2e.start();
	ann = await e2e.signUp(await e2e.context(), 'ann');
	orgId = await e2e.createOrg(ann, 'Acme Data');
});
afterAll(() => e2e.stop());

const userId = (page: Page) => page.evaluate(() => (JSON.parse(localStorage.getItem('roster.user')!) as { id: string }).id);

it('after signing up, the organization list says to check the mail to verify the address', async () => {
	const nia = await e2e.signUp(await e2e.context(), 'nia');
	await expect
		.poll(() => nia.getByTestId('verify-email').textContent())
		.toContain('Check your mail (nia@example.com) to verify your address');
	await nia.context().close();
});

it('an invited person signing up from the mail is told the invitation waits for the verified address', async () => {
	expect(
		await send(ann, { type: 'member.invite', orgId, inviteId: crypto.randomUUID(), email: 'ivy@example.org', role: 'ORG_MEMBER' })
	).toBe('ok');
	const link = /http\S+\/signup\?\S+/.exec((await e2e.mail('ivy@example.org')).text)![0];
	const ivy = await (await e2e.context()).newPage();
	await ivy.goto(new URL(link).pathname + new URL(link).search);
	await ivy.getByText('You were invited to Roster.').waitFor();
	await ivy.getByLabel('Username').fill('ivy');
	await ivy.getByLabel('Password').fill('a long enough password');
	await ivy.getByRole('button', { name: 'Create account' }).click();
	await ivy.waitForURL('**/orgs');
	await expect
		.poll(() => ivy.getByTestId('verify-email').textContent())
		.toContain('Check your mail (ivy@example.org) to verify your address; an invitation is waiting for this address');
	await ivy.context().close();
});

it('after leaving, the page and the organization list say so and who can add you again', async () => {
	const bob = await e2e.signUp(await e2e.context(), 'bob');
	expect(await send(ann, { type: 'member.add', orgId, username: 'bob', role: 'ORG_MEMBER' })).toBe('ok');
	await bob.getByRole('link', { name: 'Acme Data' }).click();
	await (await e2e.rowMenu(bob, 'bob')).getByRole('menuitem', { name: 'Leave organization…' }).click();
	await bob.getByRole('dialog', { name: 'Leave organization' }).getByRole('button', { name: 'Leave' }).click();
	await bob.getByRole('heading', { name: 'You left Acme Data' }).waitFor();
	expect(await bob.getByTestId('org-unavailable').textContent()).toContain('ask one of its owners to add you');
	await bob.getByRole('link', { name: 'Back to your organizations' }).click();
	await expect.poll(() => bob.getByTestId('departed').textContent()).toContain('You left Acme Data.');
	await bob.context().close();
});

it('after being removed, the page says access was taken away', async () => {
	const cal = await e2e.signUp(await e2e.context(), 'cal');
	expect(await send(ann, { type: 'member.add', orgId, username: 'cal', role: 'ORG_MEMBER' })).toBe('ok');
	await cal.getByRole('link', { name: 'Acme Data' }).click();
	await e2e.row(cal, 'ann').waitFor();
	expect(await send(ann, { type: 'member.remove', orgId, userId: await userId(cal) })).toBe('ok');
	await cal.getByRole('heading', { name: 'You no longer have access to Acme Data' }).waitFor();
	await cal.context().close();
});

it('a closed organization is listed apart and says since when it is closed', async () => {
	await ann.goto('/orgs');
	const closedId = await e2e.createOrg(ann, 'Shut Co');
	expect(await send(ann, { type: 'org.close', orgId: closedId })).toBe('ok');
	await ann.goto('/orgs');
	await expect.poll(() => ann.getByTestId('closed-org').textContent()).toMatch(/Shut Co\s*closed on .+ · read-only/);
	await ann.getByTestId('closed-org').getByRole('link', { name: 'Shut Co' }).click();
	await expect
		.poll(() => ann.getByTestId('org-closed').textContent())
		.toMatch(/Shut Co was closed on .+\. Nothing in it can change any more/);
});
