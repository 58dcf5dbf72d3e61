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
const menu = (label: string) => ann.getByRole('button', { name: label });
const menuItem = (name: string | RegExp) => ann.getByRole('menuitem', { name });

it('adds users (several at once, each answered on its own) and a team, with roles and where they come from', async () => {
	await ann.getByRole('link', { name: 'Projects' }).click();
	await ann.getByLabel('Project name').fill('Apollo');
	await ann.getByRole('button', { name: 'Create project' }).click();
	await ann.getByRole('heading', { name: /Apollo/ }).waitFor();

	// The refusal of an unknown username is said at the field, which keeps exactly that entry.
	const addUsers = ann.getByRole('form', { name: 'Add users' });
	await addUsers.getByRole('textbox', { name: /Add users/ }).fill('carol, nobody');
	await ann.getByRole('button', { name: 'Add or invite' }).click();
	await user('carol').waitFor();
	await expect.poll(() => addUsers.getByRole('alert').textContent()).toContain('No Roster user is called “nobody”');
	expect(await addUsers.getByRole('textbox', { name: /Add users/ }).inputValue()).toBe('nobody');
	expect(await refused().count()).toBe(0);
	// A check the domain makes here is said before anything is sent.
	await addUsers.getByRole('textbox', { name: /Add users/ }).fill('carol');
	await ann.getByRole('button', { name: 'Add or invite' }).click();
	await expect.poll(() => addUsers.getByRole('alert').textContent()).toBe('carol is already in this project: edit their roles instead.');
	expect(await addUsers.getByRole('textbox', { name: /Add users/ }).inputValue()).toBe('carol');
	await addUsers.getByRole('textbox', { name: /Add users/ }).fill('');

	await ann.getByRole('form', { name: 'Add a team' }).getByRole('combobox').selectOption({ label: 'Ops' });
	await ann.getByRole('group', { name: 'Roles for the team to add' }).getByLabel('Cluster Manager').check();
	await ann.getByRole('button', { name: 'Add team' }).click();
	await user('bob').waitFor();
	await expect.poll(() => user('bob').textContent()).toMatch(/Cluster Manager\s*Read only\s*via team Ops/);
	// carol joined the organization by being added to the project.
	await ann.getByRole('link', { name: 'Members' }).click();
	await e2e.row(ann, 'carol').waitFor();
	await ann.goBack();
});

it('shows roles as badges with the why, and edits one row at a time: Escape sends nothing, Save changes it', async () => {
	expect(await user('carol').getByTestId('role-source').allTextContents()).toEqual([expect.stringMatching(/^Read only\s*individually$/)]);
	expect(await ann.locator('[data-testid=project-user], [data-testid=project-team]').getByRole('checkbox').count()).toBe(0);

	await ann.getByRole('button', { name: 'Edit roles of carol' }).click();
	const carolEdit = ann.getByRole('form', { name: 'Edit roles of carol' });
	await carolEdit.getByRole('group', { name: 'Roles of carol' }).getByLabel('Cluster Manager').check();
	await carolEdit.getByLabel('Cluster Manager').press('Escape');
	expect(await carolEdit.count()).toBe(0);
	expect(await user('carol').getByTestId('role-source').allTextContents()).toEqual([expect.stringMatching(/^Read only\s*individually$/)]);
	expect(await ann.getByTestId('outbox-entry').count()).toBe(0);

	// Opening another row's editor closes the first, its draft dropped.
	await ann.getByRole('button', { name: 'Edit roles of carol' }).click();
	await carolEdit.getByLabel('Owner').check();
	await ann.getByRole('button', { name: 'Edit roles of team Ops' }).click();
	await ann.getByRole('form', { name: 'Edit roles of team Ops' }).waitFor();
	expect(await carolEdit.count()).toBe(0);
	await ann.getByRole('form', { name: 'Edit roles of team Ops' }).getByRole('button', { name: 'Cancel' }).click();

	// Making an owner asks first, saying what it changes.
	await ann.getByRole('button', { name: 'Edit roles of carol' }).click();
	expect(await carolEdit.getByLabel('Owner').isChecked()).toBe(false);
	await carolEdit.getByLabel('Owner').check();
	await carolEdit.getByRole('button', { name: 'Save' }).click();
	const promote = ann.getByRole('dialog', { name: 'Make owner' });
	expect(await promote.textContent()).toContain('carol becomes Owner of Apollo');
	await promote.getByRole('button', { name: 'Save roles' }).click();
	await expect.poll(() => user('carol').textContent()).toMatch(/Owner\s*Read only\s*individually/);
	expect(await carolEdit.count()).toBe(0);
});

it('removing a user asks first, naming what they lose; the last owner cannot be removed, and says why', async () => {
	await menu('More actions for carol').click();
	await menuItem('Remove from project').click();
	const dialog = ann.getByRole('dialog', { name: 'Remove from project' });
	expect(await dialog.textContent()).toContain('carol loses Owner, Read only on Apollo (individually).');
	await dialog.getByRole('button', { name: 'Cancel' }).click();
	expect(await user('carol').count()).toBe(1);

	await menu('More actions for carol').click();
	await menuItem('Remove from project').click();
	await dialog.getByRole('button', { name: 'Remove' }).click();
	await expect.poll(() => user('carol').count()).toBe(0);

	await menu('More actions for ann').click();
	const last = menuItem(/Remove from project/);
	expect(await last.getAttribute('aria-disabled')).toBe('true');
	expect(await last.textContent()).toContain('Project Apollo would have no owner: add another owner first.');
	await last.press('Escape');

	// bob's roles come from team Ops only: there is nothing of his own to remove, and the menu says so.
	await menu('More actions for bob').click();
	expect(await menuItem(/Remove from project/).textContent()).toContain('bob has no roles of their own here, only via team Ops.');
	await menuItem(/Remove from project/).press('Escape');
});

it('a refused edit leaves the badges showing the saved roles, with the reason at the row', async () => {
	await ann.getByRole('button', { name: 'Edit roles of ann' }).click();
	const annEdit = ann.getByRole('form', { name: 'Edit roles of ann' });
	await annEdit.getByLabel('Owner').uncheck();
	await annEdit.getByLabel('Read only').check();
	await annEdit.getByRole('button', { name: 'Save' }).click();
	expect(await annEdit.getByRole('alert').textContent()).toBe('Project Apollo would have no owner: add another owner first.');
	await annEdit.getByLabel('Read only').press('Escape');
	expect(await user('ann').getByTestId('role-source').first().textContent()).toMatch(/^Owner\s*individually$/);
	expect(await user('ann').getByRole('alert').textContent()).toBe('Project Apollo would have no owner: add another owner first.');
	expect(await ann.getByTestId('outbox-entry').count()).toBe(0);
});

it('an edit the server refuses (another tab changed what it relied on) leaves the saved roles showing, with the reason at the row', async () => {
	const teamRow = (page: Page) => page.locator('[data-testid=project-team][data-team="Ops"]');
	const opsRoles = (page: Page) => teamRow(page).getByTestId('role-source').textContent();
	async function setOps(check: boolean, dialog: string) {
		await ann.getByRole('button', { name: 'Edit roles of team Ops' }).click();
		await ann.getByRole('form', { name: 'Edit roles of team Ops' }).getByLabel('Owner').setChecked(check);
		await ann.getByRole('form', { name: 'Edit roles of team Ops' }).getByRole('button', { name: 'Save' }).click();
		await ann.getByRole('dialog', { name: dialog }).getByRole('button', { name: 'Save roles' }).click();
	}
	// A second tab of ann whose document updates can be held back, so it relies on what it last saw.
	const other = await (await e2e.context()).newPage();
	let hold = false;
	const held: (string | Buffer)[] = [];
	const forward: { send?: (m: string | Buffer) => void } = {};
	await other.routeWebSocket(/\/sync/, (ws) => {
		const server = ws.connectToServer();
		forward.send = (m) => ws.send(m);
		server.onMessage((m) => (hold && typeof m !== 'string' ? held.push(m) : ws.send(m)));
	});
	await e2e.signIn('ann', { page: other });
	await other.goto(new URL(ann.url()).pathname);

	await setOps(true, 'Make owner');
	await expect.poll(() => opsRoles(other)).toMatch(/^Owner\s*Cluster Manager\s*Read only\s*$/);
	hold = true;
	// Ops is no longer an owner; the other tab has not heard, and sees ann's own Owner role as one of two.
	await setOps(false, 'Take roles away');
	await expect.poll(() => opsRoles(ann)).toMatch(/^Cluster Manager\s*Read only\s*$/);
	await expect.poll(() => teamRow(ann).getByText('pending', { exact: true }).count()).toBe(0);

	await other.getByRole('button', { name: 'Edit roles of ann' }).click();
	const edit = other.getByRole('form', { name: 'Edit roles of ann' });
	await edit.getByLabel('Owner').uncheck();
	await edit.getByLabel('Read only').check();
	await edit.getByRole('button', { name: 'Save' }).click();
	await other.getByRole('dialog', { name: 'Take roles away' }).getByRole('button', { name: 'Save roles' }).click();
	const row = other.locator('[data-testid=project-user][data-username=ann]');
	await expect.poll(() => row.getByRole('alert').textContent()).toBe('Project Apollo would have no owner: add another owner first.');
	expect(await edit.count()).toBe(0);
	expect(await row.getByTestId('role-source').first().textContent()).toMatch(/^Owner\s*individually$/);
	expect(await other.getByTestId('outbox-entry').count()).toBe(0);

	hold = false;
	for (const m of held.splice(0)) forward.send?.(m);
	await expect.poll(() => opsRoles(other)).toMatch(/^Cluster Manager\s*Read only\s*$/);
	await other.context().close();
});

const invitation = (email: string) => ann.locator(`[data-testid=project-invitation][data-email="${email}"]`);

it('invites an unknown address, shows "invite sent", cancels it and invites again', async () => {
	await ann.getByRole('textbox', { name: /Add users/ }).fill('dana@example.org');
	await ann.getByRole('button', { name: 'Add or invite' }).click();
	await invitation('dana@example.org').waitFor();
	await expect.poll(() => invitation('dana@example.org').textContent()).toContain('invite sent');
	await expect.poll(() => invitation('dana@example.org').textContent()).not.toContain('pending');
	expect(await invitation('dana@example.org').textContent()).toMatch(/Read only\s*when the invitation is accepted/);
	expect((await e2e.mail('dana@example.org')).subject).toBe('ann invited you to project Apollo in Acme Data on Roster');

	await ann.getByRole('button', { name: 'Cancel invite for dana@example.org' }).click();
	await expect.poll(() => invitation('dana@example.org').count()).toBe(0);

	await ann.getByRole('textbox', { name: /Add users/ }).fill('dana@example.org');
	await ann.getByRole('group', { name: 'Roles for the users to add' }).getByLabel('Cluster Manager').check();
	await ann.getByRole('button', { name: 'Add or invite' }).click();
	await expect.poll(() => invitation('dana@example.org').textContent()).toMatch(/Cluster Manager\s*Read only/);
});

it('a member asks to join from a link; an owner sees the request after the members and approves it', async () => {
	const projectUrl = new URL(ann.url()).pathname;
	const bob = await e2e.signIn('bob');
	// bob reaches Apollo only through team Ops; take him out of the team so he cannot see it.
	// Removing the team asks first, naming who loses what; Cancel changes nothing.
	await menu('More actions for team Ops').click();
	await menuItem('Remove from project').click();
	const dialog = ann.getByRole('dialog', { name: 'Remove team from project' });
	expect(await dialog.textContent()).toContain('bob loses Cluster Manager, Read only on Apollo (through team Ops).');
	await dialog.getByRole('button', { name: 'Cancel' }).click();
	expect(await ann.locator('[data-testid=project-team]').count()).toBe(1);
	await menu('More actions for team Ops').click();
	await menuItem('Remove from project').click();
	await dialog.getByRole('button', { name: 'Remove team' }).click();
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
	await expect.poll(() => user('bob').textContent()).toMatch(/Cluster Manager\s*Read only\s*individually/);
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
	await expect.poll(() => user('dana').textContent()).toMatch(/Cluster Manager\s*Read only\s*individually/);
	await dana.context().close();
});

it('the activity feed shows these steps: invitations, the acceptance, the approved request and the refused add, not the cancelled edit', async () => {
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
	expect(text).toMatch(/Add nobody to Apollo.*No Roster user is called “nobody”.*refused/);
	expect(text).toMatch(/Make carol Owner, Read only in Apollo.*accepted/);
	expect(text).not.toMatch(/Make carol (Cluster Manager|Read only in)/);
	expect(text).not.toMatch(/Remove ann from Apollo/);
	expect(text).toMatch(/Make ann Read only in Apollo.*Project Apollo would have no owner.*refused/);
	await ann.getByRole('form', { name: 'Filter activity' }).getByLabel('Kind').selectOption({ label: 'Accepted invitations' });
	await expect.poll(() => rows.count()).toBe(1);
});

/**
 * How far the page's own content (the shell's header and navigation aside) reaches past the window's
 * right edge, or anything reaches past its own card.
 */
const contentOverflow = (page: Page) =>
	page.evaluate(() => {
		const own = [...document.querySelectorAll('main *')].filter((e) => !e.closest('nav'));
		const right = Math.max(...own.map((e) => e.getBoundingClientRect().right));
		const panels = [...document.querySelectorAll('main .panel')].map((p) => p.scrollWidth - p.clientWidth);
		return Math.max(Math.ceil(right) - document.documentElement.clientWidth, ...panels);
	});
const LONG = 'Platform-Reliability-Engineering-And-Observability-EuropeWest1';

it('at 390 and 360 px the project and teams pages fit the window: tables become cards, long names wrap, an open editor fits', async () => {
	await ann.getByRole('link', { name: 'Teams' }).click();
	await ann.getByRole('form', { name: 'Create a team' }).getByLabel('Team name').fill(LONG);
	await ann.getByRole('button', { name: 'Create team' }).click();
	await ann.locator(`[data-testid=team][data-team="${LONG}"]`).waitFor();
	await ann.getByRole('link', { name: 'Projects' }).click();
	await ann.getByRole('link', { name: 'Apollo' }).click();
	await ann.getByRole('form', { name: 'Add a team' }).getByRole('combobox').selectOption({ label: LONG });
	await ann.getByRole('button', { name: 'Add team' }).click();
	await ann.locator(`[data-testid=project-team][data-team="${LONG}"]`).waitFor();
	for (const width of [390, 360]) {
		await ann.setViewportSize({ width, height: 800 });
		expect(await contentOverflow(ann)).toBeLessThanOrEqual(0);
		await ann.getByRole('button', { name: 'Edit roles of bob' }).click();
		expect(await contentOverflow(ann)).toBeLessThanOrEqual(0);
		await ann.getByRole('form', { name: 'Edit roles of bob' }).getByRole('button', { name: 'Cancel' }).click();
	}
	await ann.getByRole('link', { name: 'Teams' }).click();
	await ann.locator('[data-testid=team][data-team="Ops"]').waitFor();
	for (const width of [390, 360]) {
		await ann.setViewportSize({ width, height: 800 });
		expect(await contentOverflow(ann)).toBeLessThanOrEqual(0);
	}
	await ann.setViewportSize({ width: 1280, height: 720 });
});
