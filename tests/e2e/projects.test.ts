import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { E2E, PASSWORD } from './harness.ts';

const e2e = new E2E();
let ann: Page;
beforeAll(async () => {
	await e2e.start();
	ann = await e2e.signUp(await e2e.context(), 'ann');
	for (const name of ['bob', 'carol']) await (await e2e.signUp(await e2e.context(), name)).context().close();
	await e2e.createOrg(ann, 'Acme Data');
	await e2e.addMember(ann, 'bob');
	await e2e.row(ann, 'bob').waitFor();
	await ann.getByRole('link', { name: 'Teams' }).click();
	await ann.getByLabel('Team name').fill('Ops');
	await ann.getByRole('button', { name: 'Create team' }).click();
	const ops = ann.locator('[data-testid=team][data-team="Ops"]');
	await ops.getByLabel('Add a member to Ops').selectOption({ label: 'bob' });
	await ops.getByRole('button', { name: 'Add to team' }).click();
	await ops.getByRole('listitem').waitFor();
});
afterAll(() => e2e.stop());

const user = (name: string) => ann.locator(`[data-testid=project-user][data-username="${name}"]`);
const refused = () => ann.locator('[data-testid=outbox-entry][data-status=refused]');

it('adds users (several at once, each answered on its own) and a team, with roles and where they come from', async () => {
	await ann.getByRole('link', { name: 'Projects' }).click();
	await ann.getByLabel('Project name').fill('Apollo');
	await ann.getByRole('button', { name: 'Create project' }).click();
	await ann.getByRole('heading', { name: /Apollo/ }).waitFor();

	await ann.getByRole('textbox', { name: /Add users/ }).fill('carol, nobody');
	await ann.getByRole('button', { name: 'Add or invite' }).click();
	await user('carol').waitFor();
	await refused().waitFor();
	expect(await refused().textContent()).toContain('No Roster user is called “nobody”');
	await refused().getByRole('button', { name: 'Discard' }).click();

	await ann.getByRole('form', { name: 'Add a team' }).getByRole('combobox').selectOption({ label: 'Ops' });
	await ann.getByRole('group', { name: 'Roles for the team to add' }).getByLabel('Cluster Manager').check();
	await ann.getByRole('button', { name: 'Add team' }).click();
	await user('bob').waitFor();
	await expect.poll(() => user('bob').textContent()).toContain('via team Ops: Cluster Manager, Read only');
	// carol joined the organization by being added to the project.
	await ann.getByRole('link', { name: 'Members' }).click();
	await e2e.row(ann, 'carol').waitFor();
	await ann.goBack();
});

it('edits roles, and refuses to remove the last owner with a sentence naming the project', async () => {
	const carolRoles = ann.getByRole('group', { name: 'Roles of carol' });
	await carolRoles.getByLabel('Owner').check();
	await carolRoles.getByRole('button', { name: 'Save roles' }).click();
	await expect.poll(() => user('carol').textContent()).toContain('individually: Owner, Read only');

	await ann.getByRole('button', { name: 'Remove carol from the project' }).click();
	await ann.getByRole('dialog', { name: 'Remove from project' }).getByRole('button', { name: 'Remove' }).click();
	await expect.poll(() => user('carol').count()).toBe(0);

	await ann.getByRole('button', { name: 'Remove ann from the project' }).click();
	await ann.getByRole('dialog', { name: 'Remove from project' }).getByRole('button', { name: 'Remove' }).click();
	await refused().waitFor();
	expect(await refused().textContent()).toContain('Project Apollo would have no owner: add another owner first.');
	expect(await user('ann').count()).toBe(1);
});

const invitation = (email: string) => ann.locator(`[data-testid=project-invitation][data-email="${email}"]`);

it('invites an unknown address, shows "invite sent", cancels it and invites again', async () => {
	await ann.getByRole('textbox', { name: /Add users/ }).fill('dana@example.org');
	await ann.getByRole('button', { name: 'Add or invite' }).click();
	await invitation('dana@example.org').waitFor();
	await expect.poll(() => invitation('dana@example.org').textContent()).toContain('invite sent');
	await expect.poll(() => invitation('dana@example.org').textContent()).not.toContain('pending');
	expect(await invitation('dana@example.org').textContent()).toContain('Read only');
	expect((await e2e.mail('dana@example.org')).subject).toBe('ann invited you to project Apollo in Acme Data on Roster');

	await ann.getByRole('button', { name: 'Cancel the invitation of dana@example.org' }).click();
	await expect.poll(() => invitation('dana@example.org').count()).toBe(0);

	await ann.getByRole('textbox', { name: /Add users/ }).fill('dana@example.org');
	await ann.getByRole('group', { name: 'Roles for the users to add' }).getByLabel('Cluster Manager').check();
	await ann.getByRole('button', { name: 'Add or invite' }).click();
	await expect.poll(() => invitation('dana@example.org').textContent()).toContain('Cluster Manager, Read only');
});

it('a member asks to join from a link; an owner sees the request after the members and approves it', async () => {
	const projectUrl = new URL(ann.url()).pathname;
	const bob = await e2e.signIn('bob');
	// bob reaches Apollo only through team Ops; take him out of the team so he cannot see it.
	await ann.getByRole('button', { name: 'Remove team Ops from the project' }).click();
	await expect.poll(() => ann.locator('[data-testid=project-team]').count()).toBe(0);

	await bob.goto(projectUrl);
	await bob.getByRole('heading', { name: 'Project not available' }).waitFor();
	await bob.getByRole('button', { name: 'Ask to join' }).click();
	await expect.poll(() => bob.getByTestId('sync-status').textContent()).toMatch(/Online$/);

	const request = ann.locator('[data-testid=join-request][data-username=bob]');
	await request.waitFor();
	// rules §4: members, then pending invitations, then join requests.
	const order = await ann
		.locator('tr[data-testid^=project-user], tr[data-testid=project-invitation], tr[data-testid=join-request]')
		.evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.testid));
	expect(order).toEqual(['project-user', 'project-invitation', 'join-request']);
	await request.getByRole('group', { name: 'Roles for bob' }).getByLabel('Cluster Manager').check();
	await request.getByRole('button', { name: 'Approve' }).click();
	await expect.poll(() => user('bob').textContent()).toContain('individually: Cluster Manager, Read only');
	expect(await request.count()).toBe(0);
	// The document reaches bob's open page at once: he now sees the project.
	await bob.getByRole('heading', { name: /Apollo/ }).waitFor();
	await bob.context().close();
});

it('the invitee signs up from the mailed link, verifies the address and lands in the project', async () => {
	const mail = await e2e.mail('dana@example.org');
	const signUpLink = mail.text.match(/http:\/\/\S+\/signup\?email=\S+/)![0];
	const dana = await e2e.context().then((c) => c.newPage());
	await dana.goto(signUpLink);
	await expect.poll(() => dana.getByLabel('Email').inputValue()).toBe('dana@example.org');
	await dana.getByLabel('Username').fill('dana');
	await dana.getByLabel('Password').fill(PASSWORD);
	await dana.getByRole('button', { name: 'Create account' }).click();
	await dana.waitForURL('**/orgs');

	const verification = await e2e.mail('dana@example.org');
	const verifyLink = verification.text.match(/http:\/\/\S+\/api\/verify-email\?token=\S+/)![0];
	await dana.goto(verifyLink);
	await dana.waitForURL(/\/projects\/[\w-]+\?verified=1$/);
	await dana.getByRole('heading', { name: /Apollo/ }).waitFor();
	await dana.getByText('Your email address is verified and your invitation accepted.').waitFor();

	// The owner sees the invitation become a member with the invited roles.
	await expect.poll(() => invitation('dana@example.org').count()).toBe(0);
	await expect.poll(() => user('dana').textContent()).toContain('individually: Cluster Manager, Read only');
	await dana.context().close();
});

it('the activity feed shows these steps: invitations, the acceptance, the approved request and the refused removal', async () => {
	await ann.getByRole('link', { name: 'Activity' }).click();
	const rows = ann.getByTestId('activity');
	await expect.poll(() => rows.count()).toBeGreaterThan(10);
	const text = (await rows.allTextContents()).join('\n');
	expect(text).toMatch(/dana.*Accept the invitation to Apollo.*accepted/);
	expect(text).toMatch(/ann.*Add or invite dana@example.org to Apollo as Cluster Manager, Read only.*accepted/);
	// The cancelled invitation is gone, yet its entry names the address as it was.
	expect(text).toMatch(/ann.*Cancel the invitation of dana@example.org to Apollo.*accepted/);
	expect(text).toMatch(/ann.*Let bob join Apollo as Cluster Manager, Read only.*accepted/);
	// The reason reads under what was refused, the verdict after it.
	expect(text).toMatch(/Remove ann from Apollo.*Project Apollo would have no owner.*refused/);
	await ann.getByRole('form', { name: 'Filter activity' }).getByLabel('Kind').selectOption({ label: 'Accepted invitations' });
	await expect.poll(() => rows.count()).toBe(1);
});
