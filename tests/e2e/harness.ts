import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, inject } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './browser-server.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../sync-server/server.ts';
import { nextMail, type Mail } from '../server/mail.ts';
import { TEST_PASSWORD_COST } from '../server/test-client.ts';

export const PASSWORD = 'correct horse battery';

/** A real server on a temporary data directory, and Debian's Chromium (closing it disconnects from the run's one). */
export class E2E {
	server!: RunningServer;
	browser!: Browser;
	dataDir = mkdtempSync(join(tmpdir(), 'roster-e2e-'));

	/**
	 * `options` may set the server's clock (`now`: two-factor codes, timeouts, invoices), its payment processor, its identity
	 * providers or the build of the app it serves.
	 */
	async start(options: Pick<ServerOptions, 'now' | 'payments' | 'oidc' | 'staticDir'> = {}) {
		this.server = await startServer({ passwordCost: TEST_PASSWORD_COST, ...options, dataDir: this.dataDir, port: 0 });
		// The run's one browser (browser-server.ts); launched here only outside vitest's e2e project.
		const endpoint = inject('chromiumEndpoint');
		this.browser = endpoint
			? await chromium.connect(endpoint)
			: await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
	}

	async stop() {
		await this.browser?.close();
		await this.server?.close();
		rmSync(this.dataDir, { recursive: true, force: true });
	}

	get url() {
		return this.server.url.replace(/\/$/, '');
	}

	/** A fresh browser context on the server; `options` may also set its window size, colour scheme or CSP bypass. */
	async context(options: BrowserContextOptions = {}): Promise<BrowserContext> {
		return this.browser.newContext({ baseURL: this.url, serviceWorkers: 'block', ...options });
	}

	/** Signs up through the UI and lands on the organization list. */
	async signUp(context: BrowserContext, username: string, email = `${username}@example.com`): Promise<Page> {
		const page = await context.newPage();
		await page.goto('/signup');
		await page.getByLabel('Username').fill(username);
		await page.getByLabel('Email').fill(email);
		await page.getByLabel('Password').fill(PASSWORD);
		await page.getByRole('button', { name: 'Create account' }).click();
		await page.waitForURL('**/orgs');
		return page;
	}

	/** Signs in through the UI (in a new browser context unless `page` is given) and lands on the organization list. */
	async signIn(username: string, options: { page?: Page; password?: string } = {}): Promise<Page> {
		const page = options.page ?? (await (await this.context()).newPage());
		await page.goto('/signin');
		await page.getByLabel('Username').fill(username);
		await page.getByLabel('Password').fill(options.password ?? PASSWORD);
		await page.getByRole('button', { name: 'Sign in' }).click();
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

	/** Adds (or, for an unknown address, invites) one or more usernames and emails from the members page. */
	async addMember(page: Page, entries: string, roleLabel = 'Member') {
		const form = page.getByRole('form', { name: 'Add members' });
		await form.getByLabel('Usernames or emails').fill(entries);
		await form.getByLabel('Role').selectOption({ label: roleLabel });
		await form.getByRole('button', { name: 'Add or invite' }).click();
	}

	/** The newest mail to `to`, waiting for the server to write it. */
	mail(to: string): Promise<Mail> {
		return nextMail(this.dataDir, to);
	}

	/**
	 * The usual start of a file: the server and browser, each of `users` signed up in a browser
	 * context of its own (the first creates organization `name`), and `signedOut` signed up only.
	 */
	async startWithOrg<U extends string>(
		name: string,
		users: [U, ...U[]],
		signedOut: string[] = []
	): Promise<{ orgId: string; pages: Record<U, Page> }> {
		await this.start();
		const pages = {} as Record<U, Page>;
		for (const user of users) pages[user] = await this.signUp(await this.context(), user);
		for (const user of signedOut) await (await this.signUp(await this.context(), user)).context().close();
		return { orgId: await this.createOrg(pages[users[0]], name), pages };
	}

	row(page: Page, username: string) {
		return page.locator(`[data-testid=member-row][data-username="${username}"]`);
	}

	/** Opens a member's role editor, picks the role and saves it (a confirmation, if asked, is left open). */
	async setRole(page: Page, username: string, roleLabel: string) {
		await this.row(page, username)
			.getByRole('button', { name: `Edit role of ${username}` })
			.click();
		const editor = page.getByRole('form', { name: `Edit role of ${username}` });
		await editor.getByLabel(`Role of ${username}`).selectOption({ label: roleLabel });
		await editor.getByRole('button', { name: 'Save' }).click();
	}

	/** The role a member's row shows (read-only: not while its editor is open). */
	roleShown(page: Page, username: string) {
		return this.row(page, username).locator('.role-label').innerText();
	}

	/** Opens a member's row menu and returns it (its items are menuitems; Escape closes it). */
	async rowMenu(page: Page, username: string) {
		await this.row(page, username)
			.getByRole('button', { name: `Actions for ${username}` })
			.click();
		const menu = page.getByRole('menu');
		await menu.waitFor();
		return menu;
	}
}

/**
 * The hooks of a file whose tests share one server and the organization "Acme Data" of ann (its primary admin)
 * with bob, both signed in; `signedOut` users have only signed up. The fields are set once the file's first hook ran.
 */
export function acmeOfAnnAndBob(signedOut: string[] = []) {
	const acme = { e2e: new E2E(), orgId: '', ann: undefined as unknown as Page, bob: undefined as unknown as Page };
	beforeAll(async () => {
		const { orgId, pages } = await acme.e2e.startWithOrg('Acme Data', ['ann', 'bob'], signedOut);
		Object.assign(acme, { orgId, ...pages });
	});
	afterAll(() => acme.e2e.stop());
	return acme;
}

/** Sends one mutation as the page's user over a socket of its own, as another client of that user would; answers the verdict. */
export function send(page: Page, mutation: Record<string, unknown>): Promise<string> {
	return page.evaluate(async (mutation) => {
		const ws = new WebSocket(`ws://${location.host}/sync`);
		return new Promise<string>((resolve) => {
			ws.onmessage = (ev) => {
				const m = JSON.parse(String(ev.data));
				if (m.t === 'welcome') ws.send(JSON.stringify({ t: 'mutate', id: crypto.randomUUID(), mutation }));
				if (m.t === 'verdict') {
					ws.close();
					resolve(m.ok ? 'ok' : `${m.code}: ${m.message}`);
				}
			};
		});
	}, mutation);
}
