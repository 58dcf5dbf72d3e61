import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../sync-server/server.ts';

export const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];

/** A real server on a temporary data directory and Debian's Chromium. */
export class E2E {
	server!: RunningServer;
	browser!: Browser;
	dataDir = mkdtempSync(join(tmpdir(), 'roster-e2e-'));

	async start() {
		this.server = await startServer({ dataDir: this.dataDir, port: 0 });
		this.browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
	}

	async stop() {
		await this.browser?.close();
		await this.server?.close();
		rmSync(this.dataDir, { recursive: true, force: true });
	}

	get url() {
		return this.server.url.replace(/\/$/, '');
	}

	async context(options: { serviceWorkers?: 'allow' | 'block' } = {}): Promise<BrowserContext> {
		return this.browser.newContext({ baseURL: this.url, serviceWorkers: options.serviceWorkers ?? 'block' });
	}

	/** Signs up through the UI and lands on the organization list. */
	async signUp(context: BrowserContext, username: string, email = `${username}@example.com`): Promise<Page> {
		const page = await context.newPage();
		await page.goto('/signup');
		await page.getByLabel('Username').fill(username);
		await page.getByLabel('Email').fill(email);
		await page.getByLabel('Password').fill('correct horse battery');
		await page.getByRole('button', { name: 'Create account' }).click();
		await page.waitForURL('**/orgs');
		return page;
	}

	async createOrg(page: Page, name: string): Promise<string> {
		await page.getByLabel('Name').fill(name);
		await page.getByRole('button', { name: 'Create organization' }).click();
		await page.waitForURL(/\/orgs\/[\w-]+$/);
		await page.getByRole('heading', { name }).waitFor();
		return new URL(page.url()).pathname.split('/').pop()!;
	}

	async addMember(page: Page, username: string, roleLabel = 'Member') {
		const form = page.getByRole('form', { name: 'Add a member' });
		await form.getByLabel('Username').fill(username);
		await form.getByLabel('Role').selectOption({ label: roleLabel });
		await form.getByRole('button', { name: 'Add member' }).click();
	}

	row(page: Page, username: string) {
		return page.locator(`[data-testid=member-row][data-username="${username}"]`);
	}
}
