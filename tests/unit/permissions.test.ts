import { describe, expect, it } from 'vitest';
import { MUTATION_TYPES, OrgRole, mayAttempt, type MutationType, type RefusalCode } from '../../src/lib/domain/index.ts';
import { assertInvariants, emptyOrg, expectAccepted, expectRefused, id, orgWith, teamId, type Intent } from './factories.ts';

const ACTORS = [
	'primary admin',
	'ORG_OWNER',
	'ORG_PROJECT_CREATOR',
	'ORG_BILLING_ADMIN',
	'ORG_BILLING_VIEWER',
	'ORG_READ_ONLY',
	'ORG_MEMBER',
	'non-member'
] as const;
type Actor = (typeof ACTORS)[number];

const USERNAME: Record<Actor, string> = {
	'primary admin': 'admin',
	ORG_OWNER: 'owner',
	ORG_PROJECT_CREATOR: 'creator',
	ORG_BILLING_ADMIN: 'billadmin',
	ORG_BILLING_VIEWER: 'billviewer',
	ORG_READ_ONLY: 'readonly',
	ORG_MEMBER: 'member',
	'non-member': 'outsider'
};

type Expected = 'ok' | RefusalCode;
const Y = 'ok';
const F = 'FORBIDDEN';
const N = 'NOT_A_MEMBER';

// Columns follow ACTORS: primary admin, OWNER, PROJECT_CREATOR, BILLING_ADMIN, BILLING_VIEWER, READ_ONLY, MEMBER, non-member.
const TABLE: Record<MutationType, readonly Expected[]> = {
	'org.create':               [Y, Y, Y, Y, Y, Y, Y, Y],
	'org.rename':               [Y, Y, F, F, F, F, F, N],
	'member.add':               [Y, Y, F, F, F, F, F, N],
	'member.setRole':           [Y, Y, F, F, F, F, F, N],
	'member.remove':            [Y, Y, F, F, F, F, F, N],
	'member.leave':             ['PRIMARY_ADMIN_LEAVE', Y, Y, Y, Y, Y, Y, N],
	'org.transferPrimaryAdmin': [Y, F, F, F, F, F, F, N],
	'team.create':              [Y, Y, F, F, F, F, F, N],
	'team.rename':              [Y, Y, F, F, F, F, F, N],
	'team.delete':              [Y, Y, F, F, F, F, F, N],
	'team.addMember':           [Y, Y, F, F, F, F, F, N],
	'team.removeMember':        [Y, Y, F, F, F, F, F, N]
};

/** For each type, a mutation that every check but the permission one accepts. */
const INTENT: Record<MutationType, Intent> = {
	'org.create': { type: 'org.create', name: 'Second org' },
	'org.rename': { type: 'org.rename', name: 'Renamed' },
	'member.add': { type: 'member.add', username: 'zed', role: 'ORG_MEMBER' },
	'member.setRole': { type: 'member.setRole', userId: id('tim'), role: 'ORG_READ_ONLY' },
	'member.remove': { type: 'member.remove', userId: id('tim') },
	'member.leave': { type: 'member.leave' },
	'org.transferPrimaryAdmin': { type: 'org.transferPrimaryAdmin', userId: id('tim') },
	'team.create': { type: 'team.create', teamId: 't-new', name: 'New team' },
	'team.rename': { type: 'team.rename', teamId: teamId('Ops'), name: 'Operations' },
	'team.delete': { type: 'team.delete', teamId: teamId('Ops') },
	'team.addMember': { type: 'team.addMember', teamId: teamId('Ops'), userId: id('creator') },
	'team.removeMember': { type: 'team.removeMember', teamId: teamId('Ops'), userId: id('tim') }
};

function setup(type: MutationType) {
	const others = ['outsider', 'zed'];
	if (type === 'org.create') return emptyOrg([...Object.values(USERNAME), 'tim', ...others]);
	return orgWith({
		primaryAdmin: 'admin',
		members: [
			{ username: 'admin', role: 'ORG_OWNER' },
			...OrgRole.options.map((role) => ({ username: USERNAME[role], role })),
			{ username: 'tim', role: 'ORG_MEMBER' }
		],
		verified: ['tim'],
		others,
		teams: [{ name: 'Ops', members: ['tim'] }]
	});
}

const cells = MUTATION_TYPES.flatMap((type) =>
	ACTORS.map((actor, i) => ({ type, actor, expected: TABLE[type][i]! }))
);

describe('permission table', () => {
	it('covers every mutation type and every org role', () => {
		expect(Object.keys(TABLE).sort()).toEqual([...MUTATION_TYPES].sort());
		expect(ACTORS.filter((a) => a in OrgRole.enum)).toEqual(OrgRole.options);
		for (const row of Object.values(TABLE)) expect(row).toHaveLength(ACTORS.length);
	});

	it.each(cells)('$type by $actor → $expected', ({ type, actor, expected }) => {
		const fx = setup(type);
		const verdict = fx.check(USERNAME[actor], INTENT[type]);
		if (expected !== 'ok') return expectRefused(verdict, expected);
		expectAccepted(verdict);
		expect(verdict.changes.length).toBeGreaterThan(0);
		fx.run(USERNAME[actor], INTENT[type]);
		assertInvariants(fx.state);
	});

	it.each(cells)('mayAttempt($actor, $type) agrees with $expected', ({ type, actor, expected }) => {
		const fx = setup(type);
		const permitted = expected !== 'FORBIDDEN' && expected !== 'NOT_A_MEMBER';
		expect(mayAttempt(fx.state, id(USERNAME[actor]), type)).toBe(permitted);
	});
});
