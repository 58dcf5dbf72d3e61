import { describe, expect, it } from 'vitest';
import {
	CardEntry,
	DisplayName,
	EmailChange,
	MUTATION_TYPES,
	ManagedPasswordReset,
	ManagedUserCreate,
	ManagedUserRef,
	ManagedUserUpdate,
	PasswordChange,
	ProfileUpdate,
	cardFromEntry,
	parseMutation,
	type Mutation
} from '../../src/lib/domain/index.ts';
import { ClientMessage } from '../../src/lib/protocol/messages.ts';
import { NOW, expectAccepted, expectRefused, orgWith, projectId, teamId, withOrgId, type Intent } from './factories.ts';

/** Parses like the server does, then hands the result to a fixture. */
function parsed(input: unknown): Mutation {
	const result = parseMutation(input);
	if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
	return result.mutation;
}

describe('strict mutations', () => {
	it.each(MUTATION_TYPES)('%s refuses a field it does not name, by name', (type) => {
		expect(parseMutation({ type, foo: 1 })).toEqual({ ok: false, code: 'INVALID_MUTATION', message: `Unknown field “foo” in ${type}.` });
	});

	it('refuses an unknown field next to valid ones, and names several', () => {
		const valid = { type: 'team.create', orgId: 'o1', teamId: 't1', name: 'Ops' };
		expect(parseMutation(valid)).toMatchObject({ ok: true });
		expect(parseMutation({ ...valid, foo: 1 })).toEqual({
			ok: false,
			code: 'INVALID_MUTATION',
			message: 'Unknown field “foo” in team.create.'
		});
		expect(parseMutation({ ...valid, actorId: 'u1', createdAt: 1 })).toMatchObject({
			message: 'Unknown fields “actorId”, “createdAt” in team.create.'
		});
	});

	it('keeps a refusal naming fields short and on one line', () => {
		const keys = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${'k'.repeat(500)}\n${i}`, i]));
		const result = parseMutation({ type: 'org.close', orgId: 'o1', ...keys });
		expect(result).toMatchObject({ ok: false, code: 'INVALID_MUTATION' });
		if (!result.ok) {
			expect(result.message).not.toContain('\n');
			expect(result.message.length).toBeLessThan(300);
		}
	});

	it('a text frame with an unknown field, or an id with a colon, is not a message', () => {
		const frame = { t: 'mutate', id: 'abcdefgh-1', mutation: {} };
		expect(ClientMessage.safeParse(frame).success).toBe(true);
		const extra = ClientMessage.safeParse({ ...frame, actor: 'u1' });
		expect(extra.error?.issues).toMatchObject([{ code: 'unrecognized_keys', keys: ['actor'] }]);
		// Ids the server submits under on a user's behalf (accept:…, card:…) hold a colon: a client's cannot.
		expect(ClientMessage.safeParse({ ...frame, id: 'accept:acme//inv-1@1' }).success).toBe(false);
	});

	it('HTTP bodies are strict too', () => {
		const bodies: [{ safeParse(v: unknown): { success: boolean; error?: { issues: unknown[] } } }, object][] = [
			[ProfileUpdate, { displayName: 'Ann' }],
			[EmailChange, { email: 'ann@example.com', password: 'old password' }],
			[PasswordChange, { current: 'old password', next: 'new password 1' }],
			[ManagedUserCreate, { org: 'o1', username: 'ann', email: 'ann@example.com', password: 'a long new password', role: 'ORG_MEMBER' }],
			[ManagedUserUpdate, { userId: 'u1', displayName: 'Ann' }],
			[ManagedPasswordReset, { userId: 'u1', password: 'a long new password' }],
			[ManagedUserRef, { userId: 'u1' }],
			[CardEntry, { number: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123', holder: 'Ann' }]
		];
		for (const [schema, body] of bodies) {
			expect(schema.safeParse(body).success, JSON.stringify(body)).toBe(true);
			expect(schema.safeParse({ ...body, isAdmin: true }).error?.issues).toContainEqual(
				expect.objectContaining({ code: 'unrecognized_keys', keys: ['isAdmin'] })
			);
		}
		const card = { number: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123', holder: 'Ann', org: 'o1' };
		expect(cardFromEntry(card, 'c1', NOW)).toEqual({ ok: false, code: 'CARD_INVALID', message: 'Unknown field “org” in a card.' });
	});
});

const UNSAFE: [string, string][] = [
	['a lone high surrogate', 'Ops\uD800'],
	['a lone low surrogate', '\uDC00Ops'],
	['NUL', 'Ops\u0000'],
	['a line break', 'Op\ns'],
	['DEL', 'Ops\u007F'],
	['a C1 control', 'Ops\u0085x'],
	['a right-to-left override', 'Ops\u202Egpj.exe'],
	['a directional isolate', '\u2066Ops\u2069'],
	['a zero-width space', 'O\u200Bps'],
	['a byte-order mark inside', 'O\uFEFFps'],
	['a soft hyphen', 'O\u00ADps'],
	['a line separator', 'Ops\u2028x']
];

/** Every mutation with a human-typed name, the name given. */
const NAMED: ((name: string) => unknown)[] = [
	(name) => ({ type: 'org.create', orgId: 'o1', name }),
	(name) => ({ type: 'org.rename', orgId: 'o1', name }),
	(name) => ({ type: 'team.create', orgId: 'o1', teamId: 't1', name }),
	(name) => ({ type: 'team.rename', orgId: 'o1', teamId: 't1', name }),
	(name) => ({ type: 'project.create', orgId: 'o1', projectId: 'p1', name }),
	(name) => ({ type: 'deployment.create', orgId: 'o1', projectId: 'p1', deploymentId: 'd1', name, plan: 'free' }),
	(name) => ({ type: 'billing.setInfo', orgId: 'o1', billingEmail: null, company: name, address: '', vatId: '' }),
	(name) => ({ type: 'billing.setInfo', orgId: 'o1', billingEmail: null, company: '', address: name, vatId: '' })
];

describe('names are well-formed, visible Unicode', () => {
	it.each(UNSAFE)('refuses %s in every name', (_what, name) => {
		for (const make of NAMED) {
			const result = parseMutation(make(name));
			expect(result).toMatchObject({ ok: false, code: 'INVALID_MUTATION' });
			if (!result.ok) expect(result.message).toMatch(/cannot hold U\+[0-9A-F]{4,5} \(a control or invisible formatting character\)/);
		}
		expect(ProfileUpdate.safeParse({ displayName: name }).success).toBe(false);
		expect(ManagedUserUpdate.safeParse({ userId: 'u1', displayName: name }).success).toBe(false);
		expect(cardFromEntry({ number: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123', holder: name }, 'c1', NOW)).toMatchObject({
			code: 'CARD_INVALID'
		});
	});

	it('names the refused character', () => {
		expect(parseMutation({ type: 'team.create', orgId: 'o1', teamId: 't1', name: 'Ops\u202E' })).toMatchObject({
			message: expect.stringContaining('A team name cannot hold U+202E')
		});
	});

	it.each([
		['accented Latin', 'Équipe Café'],
		['Persian with a zero-width non-joiner', 'می\u200Cخواهم'],
		['an emoji family (zero-width joiners)', 'Ops 👨\u200D👩\u200D👧'],
		['an astral character', 'Team 𝔸'],
		['Japanese', 'チーム']
	])('accepts %s', (_what, name) => {
		for (const make of NAMED) expect(parseMutation(make(name)), name).toMatchObject({ ok: true });
	});

	it('stores names NFC-normalized and trimmed', () => {
		const decomposed = '  Cafe\u0301  ';
		expect(parsed({ type: 'team.create', orgId: 'o1', teamId: 't1', name: decomposed })).toMatchObject({ name: 'Café' });
		expect(parsed({ type: 'org.create', orgId: 'o1', name: decomposed })).toMatchObject({ name: 'Café' });
		expect(ProfileUpdate.parse({ displayName: 'Jose\u0301' })).toEqual({ displayName: 'José' });
		expect(DisplayName.parse(' Zoe\u0308 ')).toBe('Zo\u00EB');
	});

	it('emails and usernames stay ASCII', () => {
		for (const email of ['ann\u202E@example.com', 'ann\u0000@example.com', 'ann\uD800@example.com']) {
			expect(parseMutation({ type: 'member.invite', orgId: 'o1', inviteId: 'i1', email, role: 'ORG_MEMBER' })).toMatchObject({
				code: 'INVALID_MUTATION'
			});
		}
		expect(parseMutation({ type: 'member.add', orgId: 'o1', username: 'ann\u200B', role: 'ORG_MEMBER' })).toMatchObject({
			code: 'INVALID_MUTATION'
		});
	});
});

describe('look-alike names are one name', () => {
	const fx = () =>
		orgWith({
			primaryAdmin: 'ann',
			members: [{ username: 'ann', role: 'ORG_OWNER' }],
			teams: [{ name: 'Café', members: [] }],
			projects: [{ name: 'Apollo', users: [['ann', ['PROJECT_OWNER']]] }]
		});
	const run = (f: ReturnType<typeof fx>, input: object) => f.run('ann', parsed(withOrgId(input as Intent)) as Intent);

	it('a team named with a decomposed é, or with joiners, is taken by the precomposed one', () => {
		const f = fx();
		expectRefused(run(f, { type: 'team.create', teamId: 't-2', name: 'CAFE\u0301' }), 'TEAM_NAME_TAKEN');
		expectRefused(run(f, { type: 'team.create', teamId: 't-3', name: 'Ca\u200Dfé' }), 'TEAM_NAME_TAKEN');
		expectAccepted(run(f, { type: 'team.create', teamId: 't-4', name: 'Cafe' }));
	});

	it('a name stored before normalization still collides', () => {
		const f = orgWith({
			primaryAdmin: 'ann',
			members: [{ username: 'ann', role: 'ORG_OWNER' }],
			teams: [{ name: 'Cafe\u0301', members: [] }]
		});
		expectRefused(run(f, { type: 'team.create', teamId: 't-2', name: 'café' }), 'TEAM_NAME_TAKEN');
		// Its own team may take the normalized spelling.
		expectAccepted(f.run('ann', { type: 'team.rename', teamId: teamId('Cafe\u0301'), name: 'Café' }));
	});

	it('deployment names compare the same way', () => {
		const f = fx();
		const create = (deploymentId: string, name: string) => ({
			type: 'deployment.create',
			projectId: projectId('Apollo'),
			deploymentId,
			name,
			plan: 'free'
		});
		expectAccepted(run(f, create('d-1', 'Café')));
		expectRefused(run(f, create('d-2', 'cafe\u0301')), 'DEPLOYMENT_NAME_TAKEN');
	});
});
