/**
 * Screenshots of every page, signed out and as the primary admin of a small demo organization, at
 * desk and phone widths in light and dark: `npm run screenshots -- [--out dir] [--only page]`.
 * It also says which pages scroll sideways, so a layout regression is seen before anyone opens a PNG.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { BULK_TEMPLATE } from '../../src/lib/domain/bulk-csv.ts';
import { DEMO_PASSWORD } from '../../sync-server/demo/demo-org.ts';
import { startServer } from '../../sync-server/server.ts';
import { OidcProviderConfig } from '../../sync-server/sso/config.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './browser-server.ts';

const { values } = parseArgs({ options: { out: { type: 'string' }, only: { type: 'string' } } });
const out = resolve(values.out ?? 'screenshots');
mkdirSync(out, { recursive: true });

const SIGNED_OUT = { signin: '/signin', 'signin-sso-error': '/signin?ssoError=SSO_NO_EMAIL', signup: '/signup' };
const SIGNED_IN = {
	orgs: '/orgs',
	members: '/orgs/demo-org',
	teams: '/orgs/demo-org/teams',
	projects: '/orgs/demo-org/projects',
	project: '/orgs/demo-org/projects/project0',
	activity: '/orgs/demo-org/activity',
	settings: '/orgs/demo-org/settings',
	'service-accounts': '/orgs/demo-org/service-accounts',
	billing: '/orgs/demo-org/billing',
	import: '/orgs/demo-org/import',
	account: '/account'
};

const dataDir = mkdtempSync(join(tmpdir(), 'roster-shots-'));
execFileSync(process.execPath, ['--import', 'tsx', 'sync-server/seed-demo.ts', '--data-dir', dataDir, '--users', '40'], {
	stdio: 'inherit'
});
// A provider to offer (never reached: the pages only list it) and the demo organization linked to it.
const oidc = [
	{ id: 'acme-sso', name: 'Acme SSO', issuer: 'https://sso.example.com', clientId: 'roster', clientSecret: 'not a real secret' }
].map((p) => OidcProviderConfig.parse(p));
const server = await startServer({ dataDir, port: 0, oidc });
const demo = (await server.hub.orgState('demo-org'))!;
const sso = {
	type: 'sso.configure',
	orgId: 'demo-org',
	providerId: 'acme-sso',
	required: true,
	defaultRole: 'ORG_READ_ONLY',
	grants: [
		{
			group: 'engineering',
			role: 'ORG_PROJECT_CREATOR',
			teams: demo
				.teams()
				.slice(0, 2)
				.map((t) => t.id),
			projects: []
		},
		{ group: 'platform-admins', role: 'ORG_OWNER', teams: [], projects: [{ projectId: 'project0', roles: ['PROJECT_OWNER'] }] }
	]
};
const linked = await server.hub.submitAndWait((await server.accounts.userByUsername('demo-admin'))!.id, 'shots-sso', sso);
if (!linked.ok) throw new Error(`the demo organization was not linked: ${linked.message}`);
// The history page as the demo was seeded, compared with after two changes since: what changed, and by whom.
const admin = (await server.accounts.userByUsername('demo-admin'))!.id;
const seededAt = Date.now();
await new Promise((resolve) => setTimeout(resolve, 5));
const changed = (user: string) => demo.members().find((m) => m.username === user)!.userId;
for (const [id, mutation] of [
	['shots-role', { type: 'member.setRole', orgId: 'demo-org', userId: changed('user00005'), role: 'ORG_READ_ONLY' }],
	[
		'shots-team',
		{ type: 'team.removeMember', orgId: 'demo-org', teamId: demo.teamsOf(changed('user00006'))[0], userId: changed('user00006') }
	]
] as const) {
	const verdict = await server.hub.submitAndWait(admin, id, mutation);
	if (!verdict.ok) throw new Error(`the history screenshot's change was refused: ${verdict.message}`);
}
Object.assign(SIGNED_IN, { history: `/orgs/demo-org/history?at=${seededAt}&to=${Date.now()}` });
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const wide: string[] = [];
let seeded = false;

/** One service account with a secret, so its page shows a filled card (the demo seed has none). */
async function seedServiceAccount(page: Page) {
	if (seeded) return;
	seeded = true;
	// The page's own request context: it carries the session cookie.
	const made = await page.request.post('/api/service-accounts', {
		data: { org: 'demo-org', username: 'deploy-bot', description: 'Deploys releases from the build pipeline', role: 'ORG_MEMBER' }
	});
	const { account } = (await made.json()) as { account: { userId: string } };
	await page.request.post('/api/service-accounts/secrets', { data: { org: 'demo-org', userId: account.userId, expiresInDays: 90 } });
}

async function shoot(page: Page, name: string, path: string, tag: string) {
	if (values.only && !name.includes(values.only)) return;
	await page.goto(path);
	await page.waitForLoadState('networkidle');
	await page.waitForTimeout(300);
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
	if (overflow > 0) wide.push(`${name} ${tag}: ${overflow}px wider than the window`);
	await page.screenshot({ path: join(out, `${name}-${tag}.png`), fullPage: true });
}

try {
	for (const colorScheme of ['light', 'dark'] as const) {
		for (const width of [1280, 390]) {
			const tag = `${width}-${colorScheme}`;
			const context = await browser.newContext({ baseURL: server.url, viewport: { width, height: 900 }, colorScheme });
			const page = await context.newPage();
			for (const [name, path] of Object.entries(SIGNED_OUT)) await shoot(page, name, path, tag);
			await page.goto('/signin');
			await page.getByLabel('Username').fill('demo-admin');
			await page.getByLabel('Password').fill(DEMO_PASSWORD);
			await page.getByRole('button', { name: 'Sign in' }).click();
			await page.waitForURL('**/orgs');
			await seedServiceAccount(page);
			for (const [name, path] of Object.entries(SIGNED_IN)) await shoot(page, name, path, tag);
			if (!values.only || 'settings-sso-edit'.includes(values.only)) {
				await page.goto(SIGNED_IN.settings);
				await page.getByRole('button', { name: 'Edit single sign-on' }).click();
				await page.getByRole('region', { name: 'Single sign-on' }).screenshot({ path: join(out, `settings-sso-edit-${tag}.png`) });
			}
			if (!values.only || 'import-preview'.includes(values.only)) {
				await page.goto(SIGNED_IN.import);
				await page.getByLabel('Rows, as CSV').fill(`${BULK_TEMPLATE}\r\n,new.person@example.org,Member,,,\r\ndemo-admin,,Member,,,`);
				await page.locator('[data-testid=import-row]').first().waitFor();
				await page.screenshot({ path: join(out, `import-preview-${tag}.png`), fullPage: true });
			}
			await context.close();
		}
	}
	console.log(`Screenshots in ${out}`);
	console.log(wide.length ? `Pages that scroll sideways:\n  ${wide.join('\n  ')}` : 'No page scrolls sideways.');
} finally {
	await browser.close();
	await server.close();
	rmSync(dataDir, { recursive: true, force: true });
}
