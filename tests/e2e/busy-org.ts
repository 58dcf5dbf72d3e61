/**
 * An organization as a busy one looks — names at their longest, every page with something on it, an
 * invoice — built over the wire as its people would (every rule applies), and the console's pages
 * with what says each one has finished drawing. Shared by the phone-width and accessibility tours.
 */
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { E2E } from './harness.ts';
import { encodeSyncFrame, PRESENCE } from '$lib/protocol/frames.ts';
import { orgDocId, projectDocId } from '$lib/protocol/messages.ts';
import { encodeAwarenessUpdate } from '$lib/protocol/awareness.ts';
import { TestClient, post, signUp, verifyEmail } from '../server/test-client.ts';

/** Each at its schema's longest, or near it (usernames 32, names 64). */
export const LONG = {
	admin: 'maximilian.alexander-worthington',
	member: 'bartholomew_featherstonehaugh-jr',
	org: 'Northwind Traders International Holdings Infrastructure Group',
	team: 'Platform Reliability Engineering and Developer Experience Guild',
	project: 'Customer Analytics Warehouse Migration to the New Data Platform',
	deployment: 'analytics-warehouse-primary-eu-central-replica-set-2026-autumn',
	holder: 'Maximilian Alexander Worthington-Featherstonehaugh',
	company: 'Northwind Traders International Holdings Infrastructure Group Limited',
	serviceAccount: 'warehouse-nightly-export-pipe-01'
} as const;
export const ORG_ID = 'northwind';
export const PROJECT_ID = 'analytics';
export const INVOICE_ID = '2026-09';

/** Starts the server with a clock that the fixture moves to the next month, so the billing run issues an invoice. */
export async function startBusyOrg(e2e: E2E) {
	let clock = Date.parse('2026-09-10T12:00:00Z');
	await e2e.start({ now: () => clock });
	const port = e2e.server.http.address() as { port: number };
	const person = async (username: string) => {
		const email = `${username}@infrastructure.northwind-traders.example`;
		const { cookie, user } = await signUp(e2e.url, username, email);
		await verifyEmail(e2e.dataDir, email);
		return { cookie, id: user.id, client: await TestClient.connect(port.port, cookie) };
	};
	const admin = await person(LONG.admin);
	const member = await person(LONG.member);
	await signUp(e2e.url, 'carol');
	const orgId = ORG_ID;
	const projectId = PROJECT_ID;
	const by = async (who: TestClient, mutation: Record<string, unknown>) =>
		expect(await who.mutate({ orgId, ...mutation }), JSON.stringify(mutation)).toMatchObject({ ok: true });
	await by(admin.client, { type: 'org.create', name: LONG.org });
	await by(admin.client, { type: 'member.add', username: LONG.member, role: 'ORG_MEMBER' });
	await by(admin.client, { type: 'member.add', username: 'carol', role: 'ORG_BILLING_ADMIN' });
	await by(admin.client, {
		type: 'member.invite',
		inviteId: 'invite1',
		email: 'new.colleague.with.a.long.address@partner-company.example',
		role: 'ORG_MEMBER'
	});
	await by(admin.client, { type: 'team.create', teamId: 'platform', name: LONG.team });
	await by(admin.client, { type: 'team.create', teamId: 'ops', name: 'Ops' });
	await by(admin.client, { type: 'team.addMember', teamId: 'platform', userId: member.id });
	await by(admin.client, { type: 'project.create', projectId, name: LONG.project });
	await by(admin.client, {
		type: 'project.addUser',
		projectId,
		username: 'carol',
		roles: ['PROJECT_CLUSTER_MANAGER', 'PROJECT_READ_ONLY']
	});
	await by(admin.client, { type: 'project.addTeam', projectId, teamId: 'platform', roles: ['PROJECT_READ_ONLY'] });
	await by(admin.client, {
		type: 'project.invite',
		projectId,
		inviteId: 'pinvite1',
		email: 'contractor@another-long-domain-name.example',
		roles: ['PROJECT_READ_ONLY']
	});
	await by(admin.client, { type: 'project.create', projectId: 'second', name: 'Second project' });
	await by(member.client, { type: 'join.request', projectId: 'second' });
	await by(admin.client, { type: 'deployment.create', projectId, deploymentId: 'd1', name: LONG.deployment, plan: 'dedicated' });
	await by(admin.client, {
		type: 'billing.setInfo',
		billingEmail: 'accounts-payable@infrastructure.northwind-traders.example',
		company: LONG.company,
		address: 'Building 7, Floor 12, 1234 Extraordinarily Long Boulevard Name, Springfield Industrial Estate',
		vatId: 'GB123456789012'
	});
	// A service account with a secret, so its page shows a filled card at the longest name.
	const robot = await post(
		e2e.url,
		'/api/service-accounts',
		{ org: orgId, username: LONG.serviceAccount, description: `Exports ${LONG.project} every night`, role: 'ORG_MEMBER' },
		{ cookie: admin.cookie }
	);
	expect(robot.status).toBe(201);
	const robotId = ((await robot.json()) as { account: { userId: string } }).account.userId;
	expect((await post(e2e.url, '/api/service-accounts/secrets', { org: orgId, userId: robotId }, { cookie: admin.cookie })).status).toBe(
		201
	);
	const card = await post(
		e2e.url,
		'/api/cards',
		{ org: orgId, number: '4111 1111 1111 1111', expMonth: 12, expYear: 2099, cvc: '737', holder: LONG.holder },
		{ cookie: admin.cookie }
	);
	expect(card.status).toBe(201);
	// Next month, the billing run issues September's invoice.
	clock = Date.parse('2026-10-01T00:30:00Z');
	await e2e.server.billing.run();
	admin.client.close();
	await stayPresent(member.client, ORG_ID);
}

/**
 * The member stays on the organization's members page and on the project while the pages are
 * toured, renewing as a browser does, so every page shows someone present, at the longest names.
 */
async function stayPresent(client: TestClient, orgId: string) {
	const here = [
		{ doc: orgDocId(orgId), view: 'members' },
		{ doc: projectDocId(orgId, PROJECT_ID), view: 'project' }
	];
	await client.until(() => here.every(({ doc }) => client.docs.has(doc)));
	let clock = 0;
	const state = () => {
		clock += 1;
		for (const { doc, view } of here)
			client.send(encodeSyncFrame(doc, PRESENCE, encodeAwarenessUpdate([{ clientId: 4242, clock, state: { view } }])));
	};
	state();
	const renew = setInterval(state, 10_000);
	client.ws.on('close', () => clearInterval(renew));
}

export interface TourPage {
	name: string;
	path: string;
	title: string;
	/** Resolves once the page shows its data (what a person came to see, not only its frame). */
	ready: (page: Page) => Promise<void>;
}

const heading = (name: string | RegExp) => (page: Page) => page.getByRole('heading', { level: 1, name }).waitFor();
const shows = (text: string) => async (page: Page) => {
	await page.getByRole('heading', { level: 1 }).first().waitFor();
	await expect.poll(() => page.locator('main').innerText()).toContain(text);
};
const org = `/orgs/${ORG_ID}`;
const inOrg = (what: string) => `${what} · ${LONG.org} · Roster`;

export const SIGNED_OUT: TourPage[] = [
	{ name: 'sign in', path: '/signin', title: 'Sign in · Roster', ready: heading('Sign in to Roster') },
	{ name: 'sign up', path: '/signup', title: 'Create account · Roster', ready: heading('Create your Roster account') }
];

export const SIGNED_IN: TourPage[] = [
	{ name: 'organizations', path: '/orgs', title: 'Organizations · Roster', ready: shows(LONG.org) },
	{ name: 'members', path: org, title: inOrg('Members'), ready: shows(LONG.member) },
	{ name: 'teams', path: `${org}/teams`, title: inOrg('Teams'), ready: shows(LONG.team) },
	{ name: 'projects', path: `${org}/projects`, title: inOrg('Projects'), ready: shows(LONG.project) },
	{ name: 'project', path: `${org}/projects/${PROJECT_ID}`, title: inOrg(LONG.project), ready: shows(LONG.deployment) },
	{ name: 'import', path: `${org}/import`, title: inOrg('Import'), ready: shows('Bulk changes from a CSV file') },
	{ name: 'activity', path: `${org}/activity`, title: inOrg('Activity'), ready: shows(LONG.deployment) },
	{
		name: 'history',
		path: `${org}/history`,
		title: inOrg('History'),
		ready: shows('Pick a moment to see the organization as it was then')
	},
	{ name: 'settings', path: `${org}/settings`, title: inOrg('Settings'), ready: heading(LONG.org) },
	{ name: 'service accounts', path: `${org}/service-accounts`, title: inOrg('Service accounts'), ready: shows(LONG.serviceAccount) },
	{ name: 'billing', path: `${org}/billing`, title: inOrg('Billing'), ready: shows('1111') },
	{ name: 'invoice', path: `${org}/billing/invoices/${INVOICE_ID}`, title: inOrg(`Invoice ${INVOICE_ID}`), ready: shows(LONG.deployment) },
	{ name: 'account', path: '/account', title: 'Account · Roster', ready: heading('Account') }
];

/** Signs the organization's primary admin in on `page`. */
export async function signInAdmin(e2e: E2E, page: Page) {
	await e2e.signIn(LONG.admin, { page });
}

/** Opens a page of the tour and waits until it shows its data and the network is quiet. */
export async function visit(page: Page, target: TourPage) {
	await page.goto(target.path);
	await target.ready(page);
	await page.waitForLoadState('networkidle');
}
