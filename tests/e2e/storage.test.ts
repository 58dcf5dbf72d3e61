import { afterAll, beforeAll, expect, it } from 'vitest';
import { E2E } from './harness.ts';

const e2e = new E2E();
beforeAll(async () => {
	await e2e.start();
	await (await e2e.signUp(await e2e.context(), 'zoe')).context().close();
});
afterAll(() => e2e.stop());

/** Every IndexedDB write fails as on a full disk once the page sets `window.storageFull`. */
function fullDiskOnDemand() {
	for (const name of ['put', 'add'] as const) {
		const write = IDBObjectStore.prototype[name];
		IDBObjectStore.prototype[name] = function (this: IDBObjectStore, ...args: Parameters<typeof write>) {
			if ((window as { storageFull?: boolean }).storageFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
			return write.apply(this, args);
		};
	}
}

it('when the browser storage is full the console says so, and a change is still sent and saved while online', async () => {
	const context = await e2e.context();
	await context.addInitScript(fullDiskOnDemand);
	const page = await e2e.signUp(context, 'ann');
	const orgId = await e2e.createOrg(page, 'Full Disk Co');

	await page.evaluate(() => ((window as { storageFull?: boolean }).storageFull = true));
	await e2e.addMember(page, 'zoe');
	await expect
		.poll(() => page.getByTestId('storage-full').textContent())
		.toBe("This browser's storage is full: changes are sent while online but cannot be kept offline.");
	await expect.poll(() => e2e.row(page, 'zoe').textContent()).not.toContain('pending');

	// Nothing of it was written here: what the reloaded page shows came from the server.
	await page.reload();
	await expect.poll(() => page.getByTestId('sync-status').textContent()).toMatch(/Online$/);
	await expect.poll(() => e2e.row(page, 'zoe').count()).toBe(1);
	expect(await page.getByTestId('storage-full').count()).toBe(0);
	expect(new URL(page.url()).pathname).toBe(`/orgs/${orgId}`);

	// The browser was asked to keep the copy; the account page says what it answered.
	await page.getByRole('link', { name: 'Account', exact: true }).click();
	await expect
		.poll(() => page.getByTestId('storage-state').textContent())
		.toMatch(/^Stored on this device: (kept until you sign out|may be cleared by the browser when space runs low)/);
});

it('when the browser cleared the local data while the console was closed, it rebuilds from the server and names the pending change lost', async () => {
	const context = await e2e.context();
	const page = await e2e.signUp(context, 'bea');
	const orgId = await e2e.createOrg(page, 'Evicted Co');
	await context.setOffline(true);
	await expect.poll(() => page.getByTestId('sync-status').textContent()).toContain('Offline');
	await e2e.addMember(page, 'zoe');
	await expect.poll(() => e2e.row(page, 'zoe').textContent()).toContain('pending');
	const userId = await page.evaluate(() => (JSON.parse(localStorage.getItem('roster.user')!) as { id: string }).id);
	await page.close();

	// The browser clears the database (and only it) while no page of the console is open.
	await context.setOffline(false);
	const other = await context.newPage();
	await other.goto('/favicon.svg');
	await other.evaluate(
		(name) =>
			new Promise((resolve, reject) => {
				const deleting = indexedDB.deleteDatabase(name);
				deleting.onsuccess = resolve;
				deleting.onerror = reject;
			}),
		`roster-${userId}`
	);

	await other.goto(`/orgs/${orgId}`);
	const notice = other.getByTestId('copy-evicted');
	await expect.poll(() => notice.textContent()).toContain('This browser cleared its copy of your Roster data');
	expect(await notice.getByRole('listitem').allTextContents()).toEqual(['Add zoe as Member']);
	// Rebuilt from the server, where the lost change never arrived.
	await other.getByRole('heading', { name: 'Evicted Co' }).waitFor();
	expect(await e2e.row(other, 'zoe').count()).toBe(0);
	await notice.getByRole('button', { name: 'Dismiss' }).click();
	expect(await notice.count()).toBe(0);

	// The next visit finds the copy where it was left: nothing to report.
	await other.reload();
	await other.getByRole('heading', { name: 'Evicted Co' }).waitFor();
	expect(await other.getByTestId('copy-evicted').count()).toBe(0);
});
