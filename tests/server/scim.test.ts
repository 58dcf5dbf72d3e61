import { describe, expect, it } from 'vitest';
import { docMap } from '$lib/domain/index.ts';
import { orgDocId } from '$lib/protocol/messages.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';
import { createAccount, createSecret } from './service-account-client.ts';

const t = serverForEachTest();

/** alice owns Acme, bob is a member in team Ops; the identity provider holds the secret of an owner service account. */
async function acme(role = 'ORG_OWNER') {
	const org = await orgWith<'alice', 'bob'>(t, { members: { bob: 'ORG_MEMBER' }, teams: [{ id: 'ops', name: 'Ops', members: ['bob'] }] });
	const userId = await createAccount(t, org.alice.cookie, { username: 'okta-scim', role });
	return { ...org, ...(await createSecret(t, org.alice.cookie, userId)) };
}

/** A SCIM answer, read loosely as a provider does (resources, lists and errors). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answers' shapes are what the assertions check
type Scim = Record<string, any>;

/** A request as an identity provider sends it: a bearer secret and application/scim+json. */
async function scim(secret: string | undefined, method: string, path: string, body?: unknown) {
	const res = await fetch(new URL(`/scim/v2/orgs/acme${path}`, t.base), {
		method,
		headers: {
			...(secret ? { authorization: `Bearer ${secret}` } : {}),
			...(body === undefined ? {} : { 'content-type': 'application/scim+json' })
		},
		...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) })
	});
	const text = await res.text();
	return { status: res.status, type: res.headers.get('content-type'), body: (text ? JSON.parse(text) : undefined) as Scim };
}

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** An error in the SCIM error schema (RFC 7644 §3.12), with a sentence. */
function expectScimError(r: Awaited<ReturnType<typeof scim>>, status: number, scimType?: string) {
	expect(r.type).toBe('application/scim+json');
	expect(r.body).toMatchObject({ schemas: [ERROR], status: String(status), ...(scimType ? { scimType } : {}) });
	expect(r.body.detail).toMatch(/^\S.{10,}$/);
	expect(r.status).toBe(status);
}

describe('SCIM Users as Okta provisions them', () => {
	it('looks up, creates, finds, deactivates (the socket loses access live) and reactivates a user', async () => {
		const { alice, secret } = await acme();
		const none = await scim(secret, 'GET', '/Users?filter=userName%20eq%20%22dana%40example.org%22&startIndex=1&count=100');
		expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });

		const created = await scim(secret, 'POST', '/Users', {
			schemas: [USER],
			userName: 'dana@example.org',
			name: { givenName: 'Dana', familyName: 'Scully' },
			emails: [{ primary: true, value: 'dana@example.org', type: 'work' }],
			displayName: 'Dana Scully',
			locale: 'en-US',
			externalId: '00u1abcd',
			active: true
		});
		expect(created.status).toBe(201);
		expect(created.body).toMatchObject({ schemas: [USER], userName: 'dana@example.org', displayName: 'Dana Scully', active: true });
		const id = created.body.id as string;
		const acmeDoc = () => docMap(alice.client.docs.get(orgDocId('acme'))!, 'member');
		await alice.client.until(() => acmeDoc().get(id) !== undefined);
		expect(acmeDoc().get(id)).toMatchObject({ role: 'ORG_MEMBER', managedBy: 'acme', email: 'dana@example.org' });

		const found = await scim(secret, 'GET', '/Users?filter=userName%20eq%20%22DANA%40example.org%22');
		expect(found.body).toMatchObject({ totalResults: 1, Resources: [{ id, userName: 'dana@example.org' }] });
		expectScimError(await scim(secret, 'POST', '/Users', { schemas: [USER], userName: 'dana@example.org' }), 409, 'uniqueness');

		const off = await scim(secret, 'PATCH', `/Users/${id}`, {
			schemas: [PATCH],
			Operations: [{ op: 'replace', value: { active: false } }]
		});
		expect(off.body).toMatchObject({ id, active: false });
		await alice.client.until(() => acmeDoc().get(id) === undefined);
		expect((await scim(secret, 'GET', `/Users/${id}`)).body).toMatchObject({ id, active: false });

		const on = await scim(secret, 'PUT', `/Users/${id}`, {
			schemas: [USER],
			userName: 'dana@example.org',
			displayName: 'Dana K. Scully',
			active: true
		});
		expect(on.body).toMatchObject({ id, active: true, displayName: 'Dana K. Scully' });
		await alice.client.until(() => acmeDoc().get(id)?.displayName === 'Dana K. Scully');
	});

	it('Entra’s PATCH with path "active" and the string "False" deactivates; the activity names the service account', async () => {
		const { alice, secret } = await acme();
		const { body } = await scim(secret, 'POST', '/Users', { schemas: [USER], userName: 'eve@example.org', active: true });
		const entra = await scim(secret, 'PATCH', `/Users/${body.id}`, {
			schemas: [PATCH],
			Operations: [
				{ op: 'Replace', path: 'displayName', value: 'Eve Polastri' },
				{ op: 'Replace', path: 'title', value: 'Agent' },
				{ op: 'Replace', path: 'active', value: 'False' }
			]
		});
		expect(entra.body).toMatchObject({ displayName: 'Eve Polastri', active: false });
		const feed = (await (
			await fetch(new URL('/api/v1/orgs/acme/activity?kind=member.remove', t.base), {
				headers: { authorization: `Bearer ${(await acme2(alice.cookie)).secret}` }
			})
		).json()) as { entries: { actor: { username: string }; ok: boolean }[] };
		expect(feed.entries[0]).toMatchObject({ actor: { username: 'okta-scim' }, ok: true });
	});
});

/** A second, read-only account to read the activity feed through the HTTP API. */
async function acme2(cookie: string) {
	return createSecret(t, cookie, await createAccount(t, cookie, { username: 'auditor', role: 'ORG_READ_ONLY' }));
}

describe('SCIM externalId', () => {
	it('is kept, found by filter, changed by PATCH, and held by one user of the organization', async () => {
		const { secret } = await acme();
		const a = (await scim(secret, 'POST', '/Users', { schemas: [USER], userName: 'ann@example.org', externalId: 'obj-1' })).body;
		expect(a).toMatchObject({ externalId: 'obj-1' });
		const byExt = await scim(secret, 'GET', '/Users?filter=externalId%20eq%20%22obj-1%22');
		expect(byExt.body).toMatchObject({ totalResults: 1, Resources: [{ id: a.id, externalId: 'obj-1' }] });
		expectScimError(
			await scim(secret, 'POST', '/Users', { schemas: [USER], userName: 'ann2@example.org', externalId: 'obj-1' }),
			409,
			'uniqueness'
		);
		expect((await scim(secret, 'GET', '/Users?filter=userName%20eq%20%22ann2%40example.org%22')).body).toMatchObject({ totalResults: 0 });
		const moved = await scim(secret, 'PATCH', `/Users/${a.id}`, {
			schemas: [PATCH],
			Operations: [{ op: 'replace', path: 'externalId', value: 'obj-2' }]
		});
		expect(moved.body).toMatchObject({ externalId: 'obj-2' });
		expect((await scim(secret, 'GET', '/Users?filter=externalId%20eq%20%22obj-1%22')).body).toMatchObject({ totalResults: 0 });
	});
});

describe('SCIM Groups map to teams', () => {
	it('creates a group with a member, adds and removes members by PATCH, renames and deletes it', async () => {
		const { alice, bob, secret } = await acme();
		const dana = (await scim(secret, 'POST', '/Users', { schemas: [USER], userName: 'dana@example.org' })).body.id as string;
		const group = await scim(secret, 'POST', '/Groups', { schemas: [GROUP], displayName: 'Engineering', members: [{ value: dana }] });
		expect(group.status).toBe(201);
		const teamId = group.body.id as string;
		expect(group.body).toMatchObject({ displayName: 'Engineering', members: [{ value: dana }] });
		const found = await scim(secret, 'GET', '/Groups?filter=displayName%20eq%20%22Engineering%22');
		expect(found.body).toMatchObject({ totalResults: 1, Resources: [{ id: teamId }] });

		// Okta: add by value list; Entra: remove by value list; Okta: remove by members[value eq "…"].
		const add = await scim(secret, 'PATCH', `/Groups/${teamId}`, {
			schemas: [PATCH],
			Operations: [{ op: 'add', path: 'members', value: [{ value: bob.user.id }] }]
		});
		expect(add.body.members.map((m: { value: string }) => m.value).sort()).toEqual([bob.user.id, dana].sort());
		await scim(secret, 'PATCH', `/Groups/${teamId}`, {
			schemas: [PATCH],
			Operations: [{ op: 'Remove', path: 'members', value: [{ value: dana }] }]
		});
		const left = await scim(secret, 'PATCH', `/Groups/${teamId}`, {
			schemas: [PATCH],
			Operations: [
				{ op: 'remove', path: `members[value eq "${bob.user.id}"]` },
				{ op: 'replace', value: { id: teamId, displayName: 'Platform' } }
			]
		});
		expect(left.body).toMatchObject({ displayName: 'Platform', members: [] });
		const teams = () => docMap(alice.client.docs.get(orgDocId('acme'))!, 'team');
		await alice.client.until(() => teams().get(teamId)?.name === 'Platform');

		expect((await scim(secret, 'DELETE', `/Groups/${teamId}`)).status).toBe(204);
		await alice.client.until(() => teams().get(teamId) === undefined);
		expectScimError(await scim(secret, 'GET', `/Groups/${teamId}`), 404);
	});

	it('a group member who is not in the organization is refused by the same rule as in the console', async () => {
		const { secret } = await acme();
		const r = await scim(secret, 'POST', '/Groups', { schemas: [GROUP], displayName: 'Ghosts' });
		const ghost = await scim(secret, 'PATCH', `/Groups/${r.body.id}`, {
			schemas: [PATCH],
			Operations: [{ op: 'add', path: 'members', value: [{ value: 'nobody' }] }]
		});
		expectScimError(ghost, 409);
		expect(ghost.body.detail).toContain('Only members');
	});
});

describe('SCIM refusals', () => {
	it('no secret, another organization, a role without provisioning: SCIM errors', async () => {
		const { secret } = await acme('ORG_MEMBER');
		expectScimError(await scim(undefined, 'GET', '/Users'), 401);
		expectScimError(await scim(secret, 'GET', '/Users'), 403);
		const res = await fetch(new URL('/scim/v2/orgs/other/Users', t.base), { headers: { authorization: `Bearer ${secret}` } });
		expect(res.status).toBe(403);
	});

	it('bad input answers a SCIM error and changes nothing', async () => {
		const { alice, secret } = await acme();
		const before = docMap(alice.client.docs.get(orgDocId('acme'))!, 'member').size;
		expectScimError(await scim(secret, 'GET', '/Users?filter=title%20eq%20%22x%22'), 400, 'invalidFilter');
		expectScimError(await scim(secret, 'GET', '/Users?filter=userName%20sw%20%22x%22'), 400, 'invalidFilter');
		expectScimError(await scim(secret, 'POST', '/Users', '{not json'), 400);
		expectScimError(await scim(secret, 'POST', '/Users', { schemas: [USER], userName: 'not-an-email' }), 400, 'invalidValue');
		expectScimError(await scim(secret, 'POST', '/Users', [1, 2]), 400);
		expectScimError(
			await scim(secret, 'PATCH', '/Users/nobody', { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] }),
			404
		);
		const { body } = await scim(secret, 'POST', '/Users', { schemas: [USER], userName: 'fox@example.org' });
		expectScimError(
			await scim(secret, 'PATCH', `/Users/${body.id}`, { schemas: [PATCH], Operations: [{ op: 'jump', path: 'active' }] }),
			400
		);
		expectScimError(
			await scim(secret, 'PATCH', `/Users/${body.id}`, {
				schemas: [PATCH],
				Operations: [{ op: 'replace', path: 'active', value: 'maybe' }]
			}),
			400,
			'invalidValue'
		);
		expectScimError(await scim(secret, 'GET', '/Teams'), 404);
		expectScimError(await scim(secret, 'GET', '/Users/..%2F..'), 404);
		await alice.client.until(() => docMap(alice.client.docs.get(orgDocId('acme'))!, 'member').size === before + 1);
	});
});
