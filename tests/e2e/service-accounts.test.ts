import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { E2E } from './harness.ts';

const e2e = new E2E();
let ann: Page;
let rita: Page;
let orgId = '';
let secret = '';

beforeAll(async () => {
	const started = await e2e.startWithOrg('Acme Data', ['ann', 'rita']);
	({ orgId } = started);
	({ ann, rita } = started.pages);
	await e2e.addMember(ann, 'rita', 'Read Only');
	await e2e.row(ann, 'rita').waitFor();
});
afterAll(() => e2e.stop());

/** Sends one mutation through the HTTP API as a script would, with the service account's secret. */
async function apiMutate(token: string, mutation: Record<string, unknown>) {
	const res = await fetch(`${e2e.url}/api/v1/orgs/${orgId}/mutations`, {
		method: 'POST',
		headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
		body: JSON.stringify({ id: crypto.randomUUID(), mutation })
	});
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const nav = (page: Page, label: string) => page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: label });
const card = (page: Page) => page.locator('[data-testid=service-account][data-username="deploy-bot"]');

describe('service accounts page (rules §5)', () => {
	it('an owner creates a service account; a taken name is refused at the field', async () => {
		await nav(ann, 'Service accounts').click();
		await ann.getByRole('heading', { name: 'Secret lifetime' }).waitFor();
		expect(await ann.getByTestId('secret-cap').innerText()).toBe('365 days');
		const form = ann.getByRole('form', { name: 'Create a service account' });
		await form.getByLabel('Name').fill('rita');
		await form.getByRole('button', { name: 'Create service account' }).click();
		await expect.poll(() => form.getByRole('alert').innerText()).toContain('taken');
		expect(await form.getByLabel('Name').inputValue()).toBe('rita');

		await form.getByLabel('Name').fill('deploy-bot');
		await form.getByLabel('Description').fill('Deploys releases');
		await form.getByLabel('Organization role').selectOption({ label: 'Organization Owner' });
		await form.getByRole('button', { name: 'Create service account' }).click();
		await card(ann).waitFor();
		await expect.poll(() => card(ann).innerText()).toContain('Deploys releases');
		expect(await card(ann).innerText()).toContain('Organization Owner');
		expect(await card(ann).innerText()).toContain('No secrets');
	});

	it('a new secret is shown once, in a dialog, and capped by the organization', async () => {
		await card(ann).getByRole('button', { name: 'New secret for deploy-bot' }).click();
		const dialog = ann.getByRole('dialog', { name: 'New secret for deploy-bot' });
		expect(await dialog.innerText()).toContain('At most 365 days');
		await dialog.getByLabel('Expires in (days)').fill('30');
		await dialog.getByRole('button', { name: 'Create secret' }).click();
		const field = dialog.getByLabel('Secret');
		await field.waitFor();
		secret = await field.inputValue();
		expect(secret).toMatch(/^roster_sa_/);
		expect(await dialog.innerText()).toContain('It will not be shown again');
		await dialog.getByRole('button', { name: 'Done' }).click();
		await dialog.waitFor({ state: 'hidden' });
		// Gone from the page with the dialog.
		expect(await ann.locator('main').innerHTML()).not.toContain(secret);
		await card(ann).getByTestId('secret-row').waitFor();
		expect(await card(ann).getByTestId('secret-row').innerText()).toContain('Never');
	});

	it("what the service account does through the HTTP API shows live on the owner's open pages", async () => {
		await nav(ann, 'Teams').click();
		await ann.getByRole('form', { name: 'Create a team' }).waitFor();
		const made = await apiMutate(secret, { type: 'team.create', orgId, teamId: crypto.randomUUID(), name: 'Release' });
		expect(made).toEqual({ status: 200, body: { ok: true } });
		await ann.locator('[data-testid=team][data-team=Release]').waitFor();

		await nav(ann, 'Service accounts').click();
		await card(ann).getByTestId('secret-row').waitFor();
		await expect.poll(() => card(ann).getByTestId('secret-row').innerText()).not.toContain('Never');
		const described = await apiMutate(secret, {
			type: 'serviceAccount.update',
			orgId,
			userId: await userIdOf('deploy-bot'),
			description: 'Ships releases'
		});
		expect(described.status).toBe(200);
		await expect.poll(() => card(ann).innerText()).toContain('Ships releases');

		await nav(ann, 'Activity').click();
		await expect.poll(() => ann.locator('main').innerText()).toContain('deploy-bot');
		await nav(ann, 'Service accounts').click();
		await card(ann).waitFor();
	});

	it('its role changes through the same in-place editor as a member’s, and it is badged in the members list without actions it cannot take', async () => {
		await card(ann).getByRole('button', { name: 'Edit role of deploy-bot' }).click();
		const editor = ann.getByRole('form', { name: 'Edit role of deploy-bot' });
		await editor.getByLabel('Role of deploy-bot').selectOption({ label: 'Member' });
		await editor.getByRole('button', { name: 'Save' }).click();
		await ann.getByRole('dialog').getByRole('button', { name: 'Make Member' }).click();
		// The editor's options name every role: read the card once the editor has closed on the saved role.
		await expect.poll(() => editor.count()).toBe(0);
		expect(await card(ann).innerText()).toContain('Member');
		expect(await card(ann).innerText()).not.toContain('Organization Owner');

		await nav(ann, 'Members').click();
		const row = e2e.row(ann, 'deploy-bot');
		await row.waitFor();
		expect(await row.innerText()).toContain('Service account');
		expect(await row.getByRole('button', { name: 'Manage deploy-bot' }).count()).toBe(0);
		expect(await row.getByRole('button', { name: 'Actions for deploy-bot' }).count()).toBe(0);
		await nav(ann, 'Service accounts').click();
		await card(ann).waitFor();
	});

	it('a Read Only member is not shown the page or its controls', async () => {
		await rita.goto(`/orgs/${orgId}`);
		await e2e.row(rita, 'deploy-bot').waitFor();
		expect(await nav(rita, 'Service accounts').count()).toBe(0);
		await rita.goto(`/orgs/${orgId}/service-accounts`);
		await rita.getByText('Only the organization’s owners manage service accounts.').waitFor();
		expect(
			await rita
				.getByRole('button')
				.filter({ hasText: /secret|Create service account|Delete/ })
				.count()
		).toBe(0);
		expect(await rita.locator('[data-testid=service-account]').count()).toBe(0);
	});

	it('a revoked secret is refused at its next request, and a deleted account leaves the lists', async () => {
		await card(ann)
			.getByRole('button', { name: /^Revoke secret/ })
			.click();
		await ann.getByRole('dialog', { name: 'Revoke secret' }).getByRole('button', { name: 'Revoke secret' }).click();
		await expect.poll(() => card(ann).getByTestId('secret-row').count()).toBe(0);
		const refused = await apiMutate(secret, { type: 'team.create', orgId, teamId: crypto.randomUUID(), name: 'Late' });
		expect(refused.status).toBe(401);
		expect(refused.body.code).toBe('INVALID_SECRET');

		await card(ann).getByRole('button', { name: 'Delete deploy-bot' }).click();
		await ann.getByRole('dialog', { name: 'Delete deploy-bot' }).getByRole('button', { name: 'Delete service account' }).click();
		await expect.poll(() => card(ann).count()).toBe(0);
		await nav(ann, 'Members').click();
		await e2e.row(ann, 'rita').waitFor();
		expect(await e2e.row(ann, 'deploy-bot').count()).toBe(0);
	});
});

/** The user id of a member, from the owner's members row (the test knows only the name it typed). */
async function userIdOf(username: string): Promise<string> {
	const res = await ann.evaluate(async (org) => (await fetch(`/api/service-accounts?org=${org}`)).json(), orgId);
	const found = (res as { accounts: { userId: string; username: string }[] }).accounts.find((a) => a.username === username);
	return found!.userId;
}
