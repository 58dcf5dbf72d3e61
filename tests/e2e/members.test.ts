import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { acmeOfAnnAndBob } from './harness.ts';

const acme = acmeOfAnnAndBob(['carol', 'dave', 'erin']);
const { e2e } = acme;

const status = (page: Page) => page.getByTestId('sync-status');

describe('members, live and offline', () => {
	it('two admins: one adds a member and the other sees it live', async () => {
		await e2e.addMember(acme.ann, 'bob', 'Organization Owner');
		await expect.poll(() => e2e.row(acme.ann, 'bob').textContent()).not.toContain('pending');
		await acme.bob.goto(`/orgs/${acme.orgId}`);
		await e2e.row(acme.bob, 'ann').waitFor();

		await e2e.addMember(acme.ann, 'carol');
		await e2e.row(acme.bob, 'carol').waitFor();
		await expect.poll(() => e2e.row(acme.bob, 'carol').textContent()).toContain('Member');
	});

	it('an admin goes offline, changes a role, comes back, and both see the result', async () => {
		await acme.bob.context().setOffline(true);
		await expect.poll(() => status(acme.bob).textContent()).toContain('Offline');

		// Read Only takes powers away: the confirmation says which.
		await e2e.setRole(acme.bob, 'carol', 'Read Only');
		const confirm = acme.bob.getByRole('dialog', { name: 'Change the role of carol?' });
		expect(await confirm.textContent()).toContain('carol becomes a Read Only: loses Member (can no longer');
		await confirm.getByRole('button', { name: 'Make Read Only' }).click();
		await expect.poll(() => e2e.row(acme.bob, 'carol').textContent()).toContain('pending');
		await expect.poll(() => status(acme.bob).textContent()).toContain('1 pending');
		expect(await e2e.roleShown(acme.bob, 'carol')).toBe('Read Only');
		expect(await e2e.roleShown(acme.ann, 'carol')).toBe('Member');

		await acme.bob.context().setOffline(false);
		await expect.poll(() => status(acme.bob).textContent()).toMatch(/Online$/);
		await expect.poll(() => e2e.roleShown(acme.ann, 'carol')).toBe('Read Only');
		await expect.poll(() => e2e.roleShown(acme.bob, 'carol')).toBe('Read Only');
		await expect.poll(() => e2e.row(acme.bob, 'carol').textContent()).not.toContain('pending');
	});

	it('a read-only member sees the list without edit controls', async () => {
		const carol = await e2e.signIn('carol');
		await carol.getByRole('link', { name: 'Acme Data' }).click();
		await e2e.row(carol, 'bob').waitFor();
		expect(await carol.locator('[data-testid=member-row]').count()).toBe(3);
		expect(await carol.getByRole('button', { name: /Edit role of|Rename|Add or invite|Cancel invite/ }).count()).toBe(0);
		// Her own row's menu, with Leave only; no one else's row has one.
		await expect.poll(() => carol.getByRole('button', { name: /^Actions for/ }).count()).toBe(1);
		const menu = await e2e.rowMenu(carol, 'carol');
		expect(await menu.getByRole('menuitem').allInnerTexts()).toEqual(['Leave organization…']);
		await carol.keyboard.press('Escape');
		await carol.context().close();
	});

	it('an offline change that the server refuses is shown as refused, with its reason', async () => {
		await e2e.addMember(acme.ann, 'dave');
		await e2e.row(acme.bob, 'dave').waitFor();

		await acme.bob.context().setOffline(true);
		await expect.poll(() => status(acme.bob).textContent()).toContain('Offline');
		await e2e.setRole(acme.bob, 'dave', 'Billing Admin');
		await expect.poll(() => e2e.row(acme.bob, 'dave').textContent()).toContain('pending');

		// Meanwhile the other admin removes dave.
		await (await e2e.rowMenu(acme.ann, 'dave')).getByRole('menuitem', { name: 'Remove from organization…' }).click();
		const remove = acme.ann.getByRole('dialog', { name: 'Remove member' });
		expect(await remove.textContent()).toContain('Remove dave from Acme Data? They lose access to it at once.');
		await remove.getByRole('button', { name: 'Remove' }).click();
		await expect.poll(() => e2e.row(acme.ann, 'dave').count()).toBe(0);

		await acme.bob.context().setOffline(false);
		const refused = acme.bob.locator('[data-testid=outbox-entry][data-status=refused]');
		await refused.waitFor();
		expect(await refused.textContent()).toContain('not a member of this organization');
		expect(await status(acme.bob).textContent()).toContain('1 refused');
		await expect.poll(() => e2e.row(acme.bob, 'dave').count()).toBe(0);

		await refused.getByRole('button', { name: 'Discard' }).click();
		await expect.poll(() => refused.count()).toBe(0);
	});

	it('the primary admin cannot be demoted: a forged attempt is refused by the server', async () => {
		// The UI offers no control for it, so send what a modified client would send.
		const annId = await acme.ann.evaluate(() => JSON.parse(localStorage.getItem('roster.user')!).id as string);
		const verdict = await acme.bob.evaluate(
			async ({ orgId, annId }) => {
				const ws = new WebSocket(`ws://${location.host}/sync`);
				return new Promise<string>((resolve) => {
					ws.onmessage = (ev) => {
						const m = JSON.parse(String(ev.data));
						if (m.t === 'welcome') {
							ws.send(
								JSON.stringify({
									t: 'mutate',
									id: crypto.randomUUID(),
									mutation: { type: 'member.setRole', orgId, userId: annId, role: 'ORG_MEMBER' }
								})
							);
						}
						if (m.t === 'verdict') resolve(`${m.code}: ${m.message}`);
					};
				});
			},
			{ orgId: acme.orgId, annId }
		);
		expect(verdict).toMatch(/^PRIMARY_ADMIN_ROLE: ann is the primary admin/);
		expect(await acme.ann.getByText('primary admin', { exact: true }).count()).toBe(1);
	});

	it('an owner renames the organization and the other admin sees the new name', async () => {
		await acme.ann.getByRole('button', { name: 'Rename' }).click();
		const dialog = acme.ann.getByRole('dialog', { name: 'Rename organization' });
		await dialog.getByLabel('New name').fill('   ');
		await dialog.getByRole('button', { name: 'Rename' }).click();
		await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('A name is required');
		await dialog.getByLabel('New name').fill('Acme Databases');
		await dialog.getByRole('button', { name: 'Rename' }).click();
		await acme.bob.getByRole('heading', { name: 'Acme Databases' }).waitFor();
	});

	it('a change refused meanwhile and then discarded leaves the row showing the saved role', async () => {
		await acme.bob.context().setOffline(true);
		await expect.poll(() => status(acme.bob).textContent()).toContain('Offline');
		await e2e.setRole(acme.bob, 'carol', 'Billing Viewer');
		await acme.bob.getByRole('dialog', { name: 'Change the role of carol?' }).getByRole('button', { name: 'Make Billing Viewer' }).click();
		await expect.poll(() => e2e.roleShown(acme.bob, 'carol')).toBe('Billing Viewer');

		// Meanwhile ann makes bob a plain member: his change is refused once he is back.
		await e2e.setRole(acme.ann, 'bob', 'Member');
		const confirm = acme.ann.getByRole('dialog', { name: 'Change the role of bob?' });
		expect(await confirm.textContent()).toContain('bob becomes a Member: loses Organization Owner (can no longer rename the organization');
		expect(await confirm.textContent()).toContain('be Owner of every project');
		await confirm.getByRole('button', { name: 'Make Member' }).click();
		await expect.poll(() => e2e.roleShown(acme.ann, 'bob')).toBe('Member');

		await acme.bob.context().setOffline(false);
		const refused = acme.bob.locator('[data-testid=outbox-entry][data-status=refused]');
		await refused.waitFor();
		await expect.poll(() => e2e.roleShown(acme.bob, 'carol')).toBe('Read Only');
		await refused.getByRole('button', { name: 'Discard' }).click();
		await expect.poll(() => refused.count()).toBe(0);
		expect(await e2e.roleShown(acme.bob, 'carol')).toBe('Read Only');
		expect(await e2e.row(acme.bob, 'carol').textContent()).not.toContain('pending');
	});
});
