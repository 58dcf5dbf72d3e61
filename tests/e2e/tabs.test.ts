import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { E2E, PASSWORD } from './harness.ts';

const e2e = new E2E();
beforeAll(() => e2e.start());
afterAll(() => e2e.stop());

const status = (page: Page) => page.getByTestId('sync-status');
const pending = (page: Page) => page.locator('[data-testid=outbox-entry][data-status=pending]');

/** A user with an organization and two tabs of one browser on its teams page; the first tab opened is the leader. */
async function twoTabs(username: string) {
	const context = await e2e.context();
	const sockets = new Map<Page, number>();
	context.on('page', (page) => {
		sockets.set(page, 0);
		page.on('websocket', () => sockets.set(page, sockets.get(page)! + 1));
	});
	const a = await e2e.signUp(context, username);
	const orgId = await e2e.createOrg(a, `${username} Co`);
	await a.goto(`/orgs/${orgId}/teams`);
	await expect.poll(() => status(a).textContent()).toMatch(/Online$/);
	const b = await context.newPage();
	await b.goto(`/orgs/${orgId}/teams`);
	await expect.poll(() => status(b).textContent()).toMatch(/Online$/);
	const userId = await a.evaluate(() => (JSON.parse(localStorage.getItem('roster.user')!) as { id: string }).id);
	return { context, a, b, orgId, userId, sockets };
}

async function createTeam(page: Page, name: string) {
	const form = page.getByRole('form', { name: 'Create a team' });
	await form.getByLabel('Team name').fill(name);
	await form.getByRole('button', { name: 'Create team' }).click();
}

async function goOffline(context: BrowserContext, ...pages: Page[]) {
	await context.setOffline(true);
	for (const page of pages) await expect.poll(() => status(page).textContent()).toContain('Offline');
}

/** The server's record of the team creations: how many times each name was created (a refused one counts as "refused <name>"). */
async function teamsCreated(page: Page, orgId: string) {
	const { entries } = await page.evaluate(async (org) => {
		const res = await fetch(`/api/activity?org=${org}&limit=200`);
		return (await res.json()) as { entries: { type: string; ok: boolean; mutation: { name: string } }[] };
	}, orgId);
	const counts: Record<string, number> = {};
	for (const e of entries.filter((e) => e.type === 'team.create')) {
		const key = e.ok ? e.mutation.name : `refused ${e.mutation.name}`;
		counts[key] = (counts[key] ?? 0) + 1;
	}
	return counts;
}

describe('tabs are one client', () => {
	it('two tabs offline share their pending changes, and both see each one land exactly once', async () => {
		const { context, a, b, orgId, sockets } = await twoTabs('tia');
		// Only the leader tab holds a socket.
		expect([sockets.get(a)! > 0, sockets.get(b)]).toEqual([true, 0]);
		await goOffline(context, a, b);

		await createTeam(a, 'Ops');
		await expect.poll(() => status(b).textContent()).toContain('1 pending');
		await expect.poll(() => pending(b).textContent()).toContain('Ops');
		await createTeam(b, 'Dev');
		await expect.poll(() => status(a).textContent()).toContain('2 pending');
		await expect.poll(() => pending(a).allTextContents()).toEqual([expect.stringContaining('Ops'), expect.stringContaining('Dev')]);

		await context.setOffline(false);
		for (const page of [a, b]) {
			await expect.poll(() => status(page).textContent()).toMatch(/Online$/);
			await expect.poll(() => pending(page).count()).toBe(0);
			for (const name of ['Ops', 'Dev']) await page.locator(`[data-testid=team][data-team=${name}]`).waitFor();
		}
		expect(await teamsCreated(a, orgId)).toEqual({ Ops: 1, Dev: 1 });
		expect(sockets.get(b)).toBe(0);
		await context.close();
	});

	it('the leader tab closes mid-replay: the other takes over the connection and nothing is lost or doubled', async () => {
		const { context, a, b, orgId, sockets } = await twoTabs('lea');
		await goOffline(context, a, b);
		const names = ['One', 'Two', 'Three', 'Four', 'Five', 'Six'];
		for (const [i, name] of names.entries()) await createTeam(i % 2 ? b : a, name);
		await expect.poll(() => status(b).textContent()).toContain(`${names.length} pending`);

		// The leader's first mutation leaves for the server: close it then, before the verdicts are in.
		const sending = new Promise<void>((resolve) =>
			a.on('websocket', (ws) => ws.on('framesent', (frame) => String(frame.payload).includes('"t":"mutate"') && resolve()))
		);
		await context.setOffline(false);
		await sending;
		await a.close();

		await expect.poll(() => sockets.get(b)).toBe(1);
		await expect.poll(() => status(b).textContent(), { timeout: 20_000 }).toMatch(/Online$/);
		await expect.poll(() => pending(b).count()).toBe(0);
		expect(await b.locator('[data-testid=outbox-entry]').count()).toBe(0);
		expect(await teamsCreated(b, orgId)).toEqual(Object.fromEntries(names.map((n) => [n, 1])));
		await context.close();
	});

	it('signing out in one tab signs out the other and deletes the local data', async () => {
		const { context, a, b, userId } = await twoTabs('sam');
		const databases = (page: Page) => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
		expect(await databases(a)).toContain(`roster-${userId}`);

		await b.getByRole('button', { name: 'Sign out' }).click();
		await b.waitForURL('**/signin');
		await a.waitForURL('**/signin');
		await expect.poll(() => databases(a)).not.toContain(`roster-${userId}`);
		expect(await a.evaluate(() => localStorage.getItem('roster.user'))).toBeNull();
		await context.close();
	});

	it('a tab whose browser is since signed in as someone else stops at its next connection, sending and keeping nothing as them', async () => {
		for (const user of ['ivy', 'jon']) await (await e2e.signUp(await e2e.context(), user)).context().close();
		const context = await e2e.context();
		const [first, second] = [await context.newPage(), await context.newPage()];
		await second.goto('/signin');
		await e2e.signIn('ivy', { page: first });
		const orgId = await e2e.createOrg(first, 'Ivy Co');
		const ivyId = await first.evaluate(() => (JSON.parse(localStorage.getItem('roster.user')!) as { id: string }).id);
		await first.goto(`/orgs/${orgId}/teams`);
		await expect.poll(() => status(first).textContent()).toMatch(/Online$/);
		// The second tab still shows the form it loaded before: jon signs in there, and the browser's cookie is his.
		await second.getByLabel('Username').fill('jon');
		await second.getByLabel('Password').fill(PASSWORD);
		await second.getByRole('button', { name: 'Sign in' }).click();
		await second.waitForURL('**/orgs');
		// Ivy's tab queues a change while the connection is down; when it comes back, the socket opens as jon.
		await context.setOffline(true);
		await expect.poll(() => status(first).textContent()).toContain('Offline');
		const create = first.getByRole('form', { name: 'Create a team' });
		await create.getByLabel('Team name').fill('Ops');
		await create.getByRole('button', { name: 'Create team' }).click();
		await context.setOffline(false);
		await first.waitForURL('**/signin', { timeout: 20_000 });
		expect(await first.getByText('This browser is now signed in as jon: sign in again to continue as ivy.').count()).toBe(1);
		// Nothing of ivy's was sent as jon: jon has no organization, and ivy's change waits for her.
		expect(await second.getByRole('link', { name: 'Ivy Co' }).count()).toBe(0);
		const kept = await first.evaluate(
			(name) =>
				new Promise<unknown[]>((resolve, reject) => {
					const open = indexedDB.open(name);
					open.onerror = () => reject(open.error);
					open.onsuccess = () => {
						const all = open.result.transaction('outbox').objectStore('outbox').getAll();
						all.onsuccess = () =>
							resolve(all.result.map((e: { status: string; mutation: { type: string } }) => [e.status, e.mutation.type]));
					};
				}),
			`roster-${ivyId}`
		);
		expect(kept).toEqual([['pending', 'team.create']]);
	});
});
