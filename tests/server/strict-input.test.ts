import { describe, expect, it } from 'vitest';
import { billingMaps, orgMaps } from '$lib/domain/index.ts';
import { billingDocId, orgDocId } from '$lib/protocol/messages.ts';
import { PASSWORD, post, signUp, verifyEmail } from './test-client.ts';
import { serverForEachTest } from './fixtures.ts';

/** Over a real server: what is not in the protocol is refused by name and changes nothing. */
const ORG = 'acme';
const ok = { t: 'verdict', ok: true };

const t = serverForEachTest();

const send = (method: string, path: string, cookie: string, body: unknown) =>
	fetch(new URL(path, t.base), { method, headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });

async function refused(res: Response, code: string, message: string) {
	expect(res.status).toBe(400);
	expect(await res.json()).toEqual({ code, message });
}

describe('strict HTTP bodies', () => {
	it('refuse a field the route does not take, naming it, and change nothing', async () => {
		await refused(
			await post(t.base, '/api/signup', { username: 'mallory', email: 'm@example.com', password: PASSWORD, emailVerified: true }),
			'INVALID_INPUT',
			'Unknown field “emailVerified”.'
		);
		expect(await t.server.accounts.userByUsername('mallory')).toBeUndefined();

		const ann = await signUp(t.base, 'ann');
		await refused(
			await post(t.base, '/api/signin', { username: 'ann', password: PASSWORD, remember: true }),
			'INVALID_INPUT',
			'Unknown field “remember”.'
		);
		await refused(
			await send('PATCH', '/api/me', ann.cookie, { displayName: 'Ann', emailVerified: true, managedBy: 'x' }),
			'INVALID_INPUT',
			'Unknown fields “emailVerified”, “managedBy”.'
		);
		expect(await t.server.accounts.user(ann.user.id)).toMatchObject({ displayName: '', emailVerified: false });
	});

	it('the card route takes `org` and the card form’s fields, nothing else', async () => {
		const alice = await t.user('alice');
		await verifyEmail(t.dataDir, 'alice@example.com');
		expect(await alice.client.mutate({ type: 'org.create', orgId: ORG, name: 'Acme' })).toMatchObject(ok);
		const card = { org: ORG, number: '4242 4242 4242 4242', expMonth: 12, expYear: 2099, cvc: '737', holder: 'Acme Inc' };
		await refused(
			await post(t.base, '/api/cards', { ...card, last4: '0000' }, { cookie: alice.cookie }),
			'CARD_INVALID',
			'Unknown field “last4” in a card.'
		);
		expect((await post(t.base, '/api/cards', card, { cookie: alice.cookie })).status).toBe(201);
		await alice.client.sync(billingDocId(ORG));
		expect([...billingMaps(alice.client.doc(billingDocId(ORG))).cards.values()].map((c) => c.last4)).toEqual(['4242']);
	});
});

describe('names over the wire', () => {
	it('a name with a direction override or a lone surrogate is refused; look-alike team names are one name', async () => {
		const alice = await t.user('alice');
		expect(await alice.client.mutate({ type: 'org.create', orgId: ORG, name: 'Acme' })).toMatchObject(ok);
		for (const name of ['Ops\u202Egpj.exe', 'Ops\uD800', 'Ops\u0000']) {
			const verdict = await alice.client.mutate({ type: 'team.create', orgId: ORG, teamId: 't-bad', name });
			expect(verdict).toMatchObject({
				ok: false,
				code: 'INVALID_MUTATION',
				message: expect.stringMatching(/A team name cannot hold U\+(202E|D800|0000) /)
			});
		}
		expect(await alice.client.mutate({ type: 'team.create', orgId: ORG, teamId: 't-1', name: 'Caf\u00E9' })).toMatchObject(ok);
		expect(await alice.client.mutate({ type: 'team.create', orgId: ORG, teamId: 't-2', name: 'CAFE\u0301' })).toMatchObject({
			ok: false,
			code: 'TEAM_NAME_TAKEN'
		});
		expect(await alice.client.mutate({ type: 'org.rename', orgId: ORG, name: 'Acme\u0301' })).toMatchObject(ok);
		const org = orgMaps(alice.client.docs.get(orgDocId(ORG))!);
		expect([...org.teams.values()].map((team) => team.name)).toEqual(['Café']);
		expect(org.meta.get('org')!.name).toBe('Acme\u0301'.normalize('NFC'));
		// Spaces a page shows alike (a no-break space, a run of spaces) and invisible fillers make no second name.
		for (const [teamId, name] of [
			['t-3', 'Ops Team'],
			['t-4', 'Ops\u00A0Team'],
			['t-5', 'Ops  Team'],
			['t-6', 'Ops\u3000Team'],
			['t-7', 'Ops Te\u034Fam'],
			['t-8', 'Ops Team\u3164']
		]) {
			expect(await alice.client.mutate({ type: 'team.create', orgId: ORG, teamId, name })).toMatchObject(
				teamId === 't-3' ? ok : { ok: false, code: 'TEAM_NAME_TAKEN' }
			);
		}
		expect([...org.teams.values()].map((team) => team.name)).toEqual(['Café', 'Ops Team']);
		await refused(
			await send('PATCH', '/api/me', alice.cookie, { displayName: 'Alice\u2066' }),
			'INVALID_INPUT',
			'A display name cannot hold U+2066 (a control or invisible formatting character)'
		);
	});
});
