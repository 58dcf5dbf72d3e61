import { createHash, createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrgSso } from '$lib/domain/index.ts';
import { FLOW_COOKIE, sealCookie } from '../../sync-server/sso/flow-cookie.ts';
import type { OidcProviderConfig } from '../../sync-server/sso/config.ts';
import { serverForEachTest } from './fixtures.ts';
import { mails } from './mail.ts';
import { PASSWORD, post, verifyEmail } from './test-client.ts';
import { Browser, CLIENT_ID, CLIENT_SECRET, TestIdp, loginAtIdp } from './oidc-idp.ts';

const ok = { t: 'verdict', ok: true };
let idp: TestIdp;
beforeEach(async () => {
	idp = await new TestIdp().listen();
});
afterEach(() => idp.close());

const corp = (): OidcProviderConfig => ({
	id: 'corp',
	name: 'Corp',
	issuer: idp.issuer,
	clientId: CLIENT_ID,
	clientSecret: CLIENT_SECRET,
	scopes: ['openid', 'email', 'profile', 'groups'],
	groupsClaim: 'groups',
	allowHttp: true
});
const t = serverForEachTest(() => ({ oidc: [corp()] }));
/** Roster's public origin: the redirect URI the provider knows is on it. */
const base = () => t.server.url.replace(/\/$/, '');
beforeEach(() => idp.serve(`${base()}/api/sso/corp/callback`));

function person(sub: string, groups: string[], email = `${sub}@corp.example`) {
	idp.users.set(sub, { sub, email, email_verified: true, preferred_username: sub, groups });
}

/** Starts at Roster, signs in at the provider; answers the callback URL the provider sent the browser to (not yet visited). */
async function toCallback(browser: Browser, sub: string, back = '/orgs/acme') {
	const start = await browser.get(`${base()}/api/sso/corp/start?return=${encodeURIComponent(back)}`);
	expect(start.status).toBe(302);
	return loginAtIdp(browser, start.headers.get('location')!, sub);
}

async function signInThrough(sub: string) {
	const browser = new Browser();
	const callback = await toCallback(browser, sub);
	const res = await browser.get(callback.href);
	return { browser, res, location: res.headers.get('location') };
}

/** ann is the primary admin of Acme (verified address); Acme has team Eng and is linked to Corp. */
async function acme(sso: Partial<OrgSso> = {}) {
	const ann = await t.user('ann');
	await verifyEmail(t.dataDir, 'ann@example.com');
	expect(await ann.client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject(ok);
	expect(await ann.client.mutate({ type: 'team.create', orgId: 'acme', teamId: 'eng', name: 'Eng' })).toMatchObject(ok);
	const grants = [
		{ group: 'admins', role: 'ORG_OWNER', teams: [], projects: [] },
		{ group: 'engineers', role: 'ORG_PROJECT_CREATOR', teams: ['eng'], projects: [] }
	] as const;
	const configure = {
		type: 'sso.configure',
		orgId: 'acme',
		providerId: 'corp',
		required: false,
		defaultRole: 'ORG_READ_ONLY',
		grants,
		...sso
	};
	expect(await ann.client.mutate(configure)).toMatchObject(ok);
	return ann;
}

const memberOf = async (userId: string) => (await t.server.hub.orgState('acme'))!.member(userId);
const userNamed = (username: string) => t.server.accounts.userByUsername(username);

describe('single sign-on through a real OpenID provider', () => {
	it('lists the providers by id and name only', async () => {
		const body = await (await fetch(`${base()}/api/sso/providers`)).json();
		expect(body).toEqual({ providers: [{ id: 'corp', name: 'Corp' }] });
	});

	it('a first sign-in creates the user (verified by the claim), with a session marked as made through Corp, and applies the mapping', async () => {
		await acme();
		person('dana', ['engineers']);
		const { res, location, browser } = await signInThrough('dana');
		expect({ status: res.status, location }).toEqual({ status: 302, location: '/orgs/acme' });
		const dana = (await userNamed('dana'))!;
		expect(dana).toMatchObject({ email: 'dana@corp.example', emailVerified: true });
		expect(await memberOf(dana.id)).toMatchObject({ role: 'ORG_PROJECT_CREATOR' });
		expect((await t.server.hub.orgState('acme'))!.isTeamMember('eng', dana.id)).toBe(true);
		const me = await fetch(`${base()}/api/me`, {
			headers: { cookie: `roster_session=${browser.cookie(new URL(base()).host, 'roster_session')}` }
		});
		expect(me.status).toBe(200);
	});

	it('re-applies the mapping at the next sign-in: gains and losses', async () => {
		await acme();
		person('dana', ['engineers']);
		await signInThrough('dana');
		const id = (await userNamed('dana'))!.id;
		person('dana', ['admins']);
		await signInThrough('dana');
		expect(await memberOf(id)).toMatchObject({ role: 'ORG_OWNER' });
		expect((await t.server.hub.orgState('acme'))!.isTeamMember('eng', id)).toBe(false);
		person('dana', []);
		await signInThrough('dana');
		expect(await memberOf(id)).toMatchObject({ role: 'ORG_READ_ONLY' });
	});

	it('an existing user with the verified address is linked only after its password; a mapping demoting the last owner is refused whole and reported', async () => {
		await acme();
		person('ann-corp', ['engineers'], 'ann@example.com');
		const { res, browser } = await signInThrough('ann-corp');
		expect(res.headers.get('location')).toMatch(/^\/sso\/link\?provider=corp&username=ann$/);
		const host = new URL(base()).host;
		const link = (password: string) =>
			browser.get(`${base()}/api/sso/corp/link`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', origin: base() },
				body: JSON.stringify({ password })
			});
		expect((await link('not the password')).status).toBe(401);
		expect(await t.server.accounts.ssoUser('corp', 'ann-corp')).toBeUndefined();
		const linked = await link(PASSWORD);
		expect(linked.status).toBe(200);
		const ann = (await userNamed('ann'))!;
		expect(await t.server.accounts.ssoUser('corp', 'ann-corp')).toBe(ann.id);
		expect(browser.cookie(host, 'roster_session')).toBeTruthy();
		// ann is the primary admin and only owner: the mapping (Project Creator, team Eng) is refused whole.
		expect(await memberOf(ann.id)).toMatchObject({ role: 'ORG_OWNER' });
		expect((await t.server.hub.orgState('acme'))!.isTeamMember('eng', ann.id)).toBe(false);
		const report = mails(t.dataDir, 'ann@example.com').find((m) => m.subject.includes('mapping refused'));
		expect(report?.text).toContain('primary admin');
	});

	it('a tampered state, nonce or verifier, and a replayed callback, are refused', async () => {
		await acme();
		person('dana', ['engineers']);
		const host = new URL(base()).host;

		const tampered = new Browser();
		const callback = await toCallback(tampered, 'dana');
		callback.searchParams.set('state', 'forged');
		expect((await tampered.get(callback.href)).headers.get('location')).toBe('/signin?ssoError=SSO_REFUSED');

		for (const field of ['n', 'v'] as const) {
			const browser = new Browser();
			const back = await toCallback(browser, 'dana');
			const flow = JSON.parse(Buffer.from(browser.cookie(host, FLOW_COOKIE)!.split('.')[0]!, 'base64url').toString());
			browser.setCookie(host, FLOW_COOKIE, await sealCookie(t.server.accounts, corp(), { ...flow, [field]: `${flow[field]}x` }));
			expect((await browser.get(back.href)).headers.get('location')).toBe('/signin?ssoError=SSO_REFUSED');
		}

		const forged = new Browser();
		const back = await toCallback(forged, 'dana');
		const [body] = forged.cookie(host, FLOW_COOKIE)!.split('.');
		forged.setCookie(host, FLOW_COOKIE, `${body}.AAAA`);
		expect((await forged.get(back.href)).headers.get('location')).toBe('/signin?ssoError=SSO_STATE_INVALID');

		const replay = new Browser();
		const again = await toCallback(replay, 'dana');
		const cookie = replay.cookie(host, FLOW_COOKIE)!;
		expect((await replay.get(again.href)).headers.get('location')).toBe('/orgs/acme');
		expect((await replay.get(again.href)).headers.get('location')).toBe('/signin?ssoError=SSO_STATE_INVALID');
		replay.setCookie(host, FLOW_COOKIE, cookie);
		expect((await replay.get(again.href)).headers.get('location')).toBe('/signin?ssoError=SSO_REFUSED');
		expect(await userNamed('dana-2')).toBeUndefined();
	});

	it('required single sign-on refuses password sessions (HTTP and socket) but the primary admin’s; a Corp session reaches it', async () => {
		const ann = await acme({ required: true });
		person('dana', ['admins']);
		const { browser } = await signInThrough('dana');
		const ssoCookie = `roster_session=${browser.cookie(new URL(base()).host, 'roster_session')}`;
		expect((await fetch(`${base()}/api/activity?org=acme`, { headers: { cookie: ssoCookie } })).status).toBe(200);
		const bob = await t.user('bob');
		expect(await ann.client.mutate({ type: 'member.add', orgId: 'acme', username: 'bob', role: 'ORG_OWNER' })).toMatchObject(ok);
		const refused = await fetch(`${base()}/api/activity?org=acme`, { headers: { cookie: bob.cookie } });
		expect(refused.status).toBe(403);
		const body = (await refused.json()) as { code: string; message: string };
		expect(body.code).toBe('SSO_REQUIRED');
		expect(body.message).toMatch(/single sign-on/);
		expect(await bob.client.mutate({ type: 'team.create', orgId: 'acme', teamId: 'ops', name: 'Ops' })).toMatchObject({
			ok: false,
			code: 'SSO_REQUIRED'
		});
		// Break-glass: the primary admin's password session still reaches it.
		expect((await fetch(`${base()}/api/activity?org=acme`, { headers: { cookie: ann.cookie } })).status).toBe(200);
		expect(await ann.client.mutate({ type: 'team.create', orgId: 'acme', teamId: 'ops', name: 'Ops' })).toMatchObject(ok);
		expect((await post(base(), '/api/signin', { username: 'bob', password: PASSWORD })).status).toBe(200);
	});

	it('a cookie signed with a key made from the client secret (which the provider’s admins know) opens nothing', async () => {
		await acme();
		await t.user('bob');
		await verifyEmail(t.dataDir, 'bob@example.com');
		const bobId = (await userNamed('bob'))!.id;
		const forged = { p: 'corp', sub: 'whoever', u: bobId, g: ['admins'], r: 'https://evil.example/x', e: Date.now() + 600_000 };
		const body = Buffer.from(JSON.stringify(forged)).toString('base64url');
		const key = createHash('sha256').update(`roster sso cookie\0corp\0${CLIENT_SECRET}`).digest();
		const cookie = `roster_sso_link=${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
		const res = await fetch(`${base()}/api/sso/corp/link`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', origin: base(), cookie },
			body: JSON.stringify({ password: PASSWORD })
		});
		expect(res.status).toBe(400);
		expect(((await res.json()) as { code: string }).code).toBe('SSO_LINK_EXPIRED');
		expect(await memberOf(bobId)).toBeUndefined();
	});

	it('what the provider says is held to the form rules: a spoofing name is left out, an address Roster does not take goes back to sign-in', async () => {
		await acme();
		idp.users.set('mal', {
			sub: 'mal',
			email: 'mal@corp.example',
			email_verified: true,
			preferred_username: 'mal',
			groups: [],
			name: 'ann\u202Egnp.exe\u0007'
		});
		await signInThrough('mal');
		const mal = (await userNamed('mal'))!;
		expect(mal.displayName).toBe('');
		expect((await memberOf(mal.id))?.displayName).toBe('');
		idp.users.set('odd', { sub: 'odd', email: 'not an email', email_verified: true, preferred_username: 'odd', groups: [] });
		expect((await signInThrough('odd')).location).toBe('/signin?ssoError=SSO_NO_EMAIL');
		expect(await userNamed('odd')).toBeUndefined();
	});

	it('another organization linked to the provider learns nothing of people its mapping does not take in, nor their other groups', async () => {
		await acme({ defaultRole: null });
		const eve = await t.user('eve');
		expect(await eve.client.mutate({ type: 'org.create', orgId: 'evil', name: 'Evil' })).toMatchObject(ok);
		const grants = [{ group: 'spies', role: 'ORG_MEMBER', teams: [], projects: [] }];
		const link = { type: 'sso.configure', orgId: 'evil', providerId: 'corp', required: false, defaultRole: null, grants };
		expect(await eve.client.mutate(link)).toMatchObject(ok);
		person('dana', ['engineers']);
		await signInThrough('dana');
		const dana = (await userNamed('dana'))!;
		expect((await t.server.hub.orgState('evil'))!.member(dana.id)).toBeUndefined();
		const feed = await fetch(`${base()}/api/activity?org=evil`, { headers: { cookie: eve.cookie } });
		expect(JSON.stringify(await feed.json())).not.toMatch(/dana|engineers/);
		expect(await memberOf(dana.id)).toMatchObject({ role: 'ORG_PROJECT_CREATOR' });
	});

	it('an account the organization provisioned at the address the provider verifies is claimed at the first sign-in, not doubled', async () => {
		await acme();
		const provisioned = {
			id: 'u-prov',
			username: 'erin',
			email: 'erin@corp.example',
			emailVerified: false,
			displayName: '',
			passwordHash: ''
		};
		expect(await t.server.accounts.insertUser({ ...provisioned, managedBy: 'acme' }, Date.now())).toBe(true);
		// The same address provisioned by an organization not linked to Corp is not this person's.
		expect(await t.server.accounts.insertUser({ ...provisioned, id: 'u-other', username: 'erin-x', managedBy: 'other' }, Date.now())).toBe(
			true
		);
		person('erin', ['engineers']);
		expect((await signInThrough('erin')).location).toBe('/orgs/acme');
		expect(await t.server.accounts.ssoUser('corp', 'erin')).toBe('u-prov');
		expect(await t.server.accounts.user('u-prov')).toMatchObject({ emailVerified: true });
		expect(await memberOf('u-prov')).toMatchObject({ role: 'ORG_PROJECT_CREATOR' });
		expect(await userNamed('erin-2')).toBeUndefined();
	});
});
