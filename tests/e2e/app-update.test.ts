import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer } from '../../sync-server/server.ts';
import { TEST_PASSWORD_COST } from '../server/test-client.ts';
import { E2E } from './harness.ts';

/**
 * Two versions of the app: the previous one, built here from the same source with its local database held at
 * schema version 1 (VITE_ROSTER_DB_VERSION, read only by db.ts), and the current one, `build/` (schema version 2,
 * whose upgrade step marks every queued change with the version that wrote it). One extra build is the cheapest
 * faithful way: the service worker, the page and the database really change between the two.
 */
const previous = mkdtempSync(join(tmpdir(), 'roster-previous-'));
const e2e = new E2E();

beforeAll(async () => {
	await promisify(execFile)(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], {
		env: { ...process.env, ROSTER_BUILD_DIR: previous, VITE_ROSTER_DB_VERSION: '1' },
		maxBuffer: 64 * 1024 * 1024
	});
	await e2e.start({ staticDir: previous });
}, 600_000);
afterAll(async () => {
	await e2e.stop();
	rmSync(previous, { recursive: true, force: true });
	rmSync('node_modules/.svelte-kit-previous', { recursive: true, force: true });
});

/** The user's local database as it is on disk: its IndexedDB version (Dexie's times ten) and its outbox. */
function localDb(page: Page) {
	return page.evaluate(async () => {
		const { id } = JSON.parse(localStorage.getItem('roster.user')!) as { id: string };
		const db = await new Promise<IDBDatabase>((resolve, reject) => {
			const open = indexedDB.open(`roster-${id}`);
			open.onsuccess = () => resolve(open.result);
			open.onerror = () => reject(open.error);
		});
		const entries = await new Promise<Record<string, unknown>[]>((resolve) => {
			const all = db.transaction('outbox').objectStore('outbox').getAll();
			all.onsuccess = () => resolve(all.result);
		});
		db.close();
		return { version: db.version, entries };
	});
}

it('an update deployed while changes are queued waits for Reload, upgrades the local database, and every queued change gets its verdict', async () => {
	await (await e2e.signUp(await e2e.context(), 'zoe')).context().close();
	await (await e2e.signUp(await e2e.context(), 'xan')).context().close();
	const context = await e2e.context({ serviceWorkers: 'allow' });
	// The sync socket alone is held closed ("offline"): pages and the service worker still reach the server.
	let hold = false;
	let socket: WebSocketRoute | undefined;
	await context.routeWebSocket('**/sync', (ws) => {
		if (hold) return ws.close();
		socket = ws;
		ws.connectToServer();
	});
	const page = await e2e.signUp(context, 'yan');
	const orgId = await e2e.createOrg(page, 'Update Co');
	await page.waitForFunction(() => !!navigator.serviceWorker.controller);
	expect((await localDb(page)).version).toBe(10);

	hold = true;
	await socket!.close();
	await expect.poll(() => page.getByTestId('sync-status').textContent()).toContain('Offline');
	await e2e.addMember(page, 'zoe');
	await expect.poll(() => e2e.row(page, 'zoe').textContent()).toContain('pending');
	await e2e.addMember(page, 'xan');
	await expect.poll(() => e2e.row(page, 'xan').textContent()).toContain('pending');
	// A change the previous version queued in a shape this version no longer accepts (a role it has since dropped).
	await page.evaluate(async (orgId) => {
		const { id } = JSON.parse(localStorage.getItem('roster.user')!) as { id: string };
		const open = indexedDB.open(`roster-${id}`);
		await new Promise((resolve) => (open.onsuccess = resolve));
		const tx = open.result.transaction('outbox', 'readwrite');
		const mutation = { type: 'member.add', orgId, username: 'zoe', role: 'ORG_SUPERVISOR' };
		tx.objectStore('outbox').put({ id: crypto.randomUUID(), seq: 100, orgId, mutation, status: 'pending', createdAt: Date.now() });
		await new Promise((resolve) => (tx.oncomplete = resolve));
		open.result.close();
	}, orgId);

	// The new version is deployed: the page is told, and keeps its queued changes until the user reloads.
	const port = e2e.server.port;
	await e2e.server.close();
	e2e.server = await startServer({ dataDir: e2e.dataDir, port, passwordCost: TEST_PASSWORD_COST });
	await page.evaluate(() => navigator.serviceWorker.ready.then((r) => r.update()));
	const offer = page.getByTestId('app-update');
	await expect.poll(() => offer.textContent()).toContain('A new version of Roster is ready');
	expect(await e2e.row(page, 'zoe').textContent()).toContain('pending');
	expect((await localDb(page)).version).toBe(10);

	await Promise.all([page.waitForEvent('load'), offer.getByRole('button', { name: 'Reload' }).click()]);
	await page.getByRole('heading', { name: 'Update Co' }).waitFor();
	expect(await offer.count()).toBe(0);
	// Upgraded in place: every entry kept, each marked as written by version 1; the one this version cannot send is refused, not dropped.
	const upgraded = await localDb(page);
	expect(upgraded.version).toBe(20);
	expect(upgraded.entries.map((e) => [e.v, e.status, e.code]).sort()).toEqual([
		[1, 'pending', undefined],
		[1, 'pending', undefined],
		[1, 'refused', 'WRITTEN_BY_OLDER_VERSION']
	]);
	const older = page.getByTestId('older-version');
	await expect.poll(() => older.textContent()).toContain('queued by an older version of Roster');
	const [download] = await Promise.all([
		page.waitForEvent('download'),
		older.getByRole('button', { name: /^Export 3 unsaved changes/ }).click()
	]);
	await download.saveAs(join(previous, 'export.json'));
	const exported = JSON.parse(readFileSync(join(previous, 'export.json'), 'utf8')) as {
		username: string;
		changes: { mutation: { role: string } }[];
	};
	expect(exported.username).toBe('yan');
	expect(exported.changes.map((c) => c.mutation.role).sort()).toEqual(['ORG_MEMBER', 'ORG_MEMBER', 'ORG_SUPERVISOR']);

	// Back online: the two changes the previous version queued are sent as they are, and saved.
	hold = false;
	await expect.poll(() => e2e.row(page, 'zoe').textContent(), { timeout: 20_000 }).not.toContain('pending');
	await expect.poll(() => e2e.row(page, 'xan').textContent()).not.toContain('pending');
	const refused = page.getByTestId('outbox-entry');
	expect(await refused.getAttribute('data-status')).toBe('refused');
	expect(await refused.textContent()).toContain('written by an older version of Roster');
	expect((await localDb(page)).entries.map((e) => e.code)).toEqual(['WRITTEN_BY_OLDER_VERSION']);
	await refused.getByRole('button', { name: 'Discard' }).click();
	await expect.poll(() => older.count()).toBe(0);
});

it('a server speaking a protocol version this page no longer accepts is explained, and the pending changes are kept and exportable', async () => {
	const context = await e2e.context();
	// Offline while `hold`; once `newer`, the server's welcome claims a protocol version this page does not speak.
	let hold = false;
	let newer = false;
	let socket: WebSocketRoute | undefined;
	await context.routeWebSocket('**/sync', (ws) => {
		if (hold) return ws.close();
		socket = ws;
		const server = ws.connectToServer();
		server.onMessage((message) => {
			// Documents travel as binary frames, messages as JSON text.
			const m = typeof message === 'string' ? (JSON.parse(message) as { t: string; protocol?: number }) : undefined;
			ws.send(newer && m?.t === 'welcome' ? JSON.stringify({ ...m, protocol: m.protocol! + 1 }) : message);
		});
	});
	const page = await e2e.signUp(context, 'una');
	await e2e.createOrg(page, 'Outdated Co');
	hold = true;
	await socket!.close();
	await expect.poll(() => page.getByTestId('sync-status').textContent()).toContain('Offline');
	await e2e.addMember(page, 'zoe');
	await expect.poll(() => e2e.row(page, 'zoe').textContent()).toContain('pending');

	newer = true;
	hold = false;
	const outdated = page.getByTestId('outdated');
	await expect
		.poll(() => outdated.textContent(), { timeout: 20_000 })
		.toContain('This page is from an older version of Roster than the server');
	expect(await outdated.textContent()).toContain('Your changes not yet saved are kept');
	const [download] = await Promise.all([
		page.waitForEvent('download'),
		outdated.getByRole('button', { name: 'Export 1 unsaved change (JSON)' }).click()
	]);
	await download.saveAs(join(previous, 'outdated.json'));
	const exported = JSON.parse(readFileSync(join(previous, 'outdated.json'), 'utf8')) as {
		changes: { status: string; mutation: unknown }[];
	};
	expect(exported.changes).toMatchObject([{ status: 'pending', mutation: { type: 'member.add', username: 'zoe', role: 'ORG_MEMBER' } }]);
	// Nothing was sent to a server this page would misread: the change waits in this browser.
	expect(await e2e.row(page, 'zoe').textContent()).toContain('pending');
	// Written by this version: stamped with its schema version.
	expect((await localDb(page)).entries.map((e) => [e.status, e.v])).toEqual([['pending', 2]]);
});
