import { describe, expect, it } from 'vitest';
import { MUTATION_TYPES, OrgRole, applyChanges, mayAttempt, type MutationType, type RefusalCode } from '../../src/lib/domain/index.ts';
import { assertInvariants, emptyOrg, expectAccepted, expectRefused, id, inviteId, orgWith, projectId, teamId, type Intent } from './factories.ts';

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
const I = 'INVITATION_NOT_FOUND';

// Columns follow ACTORS: primary admin, OWNER, PROJECT_CREATOR, BILLING_ADMIN, BILLING_VIEWER, READ_ONLY, MEMBER, non-member.
const TABLE: Record<MutationType, readonly Expected[]> = {
	'org.create':               [Y, Y, Y, Y, Y, Y, Y, Y],
	'org.rename':               [Y, Y, F, F, F, F, F, N],
	'member.add':               [Y, Y, F, F, F, F, F, N],
	'member.invite':            [Y, Y, F, F, F, F, F, N],
	'member.cancelInvite':      [Y, Y, F, F, F, F, F, N],
	'member.setRole':           [Y, Y, F, F, F, F, F, N],
	'member.remove':            [Y, Y, F, F, F, F, F, N],
	'member.leave':             ['PRIMARY_ADMIN_LEAVE', Y, Y, Y, Y, Y, Y, N],
	'org.transferPrimaryAdmin': [Y, F, F, F, F, F, F, N],
	// Apollo has an active deployment: the primary admin may try, and is told why not (invariant 8).
	'org.close':                ['ORG_HAS_DEPLOYMENTS', F, F, F, F, F, F, N],
	'org.setContact':           [Y, F, F, F, F, F, F, N],
	'org.setBillingContact':    [Y, Y, Y, Y, Y, F, Y, N],
	'org.setSecurity':          [Y, F, F, F, F, F, F, N],
	// SPEC §2: notification channels and the users the organization manages are the primary admin's.
	'org.setNotifications':     [Y, F, F, F, F, F, F, N],
	'member.addManaged':        [Y, F, F, F, F, F, F, N],
	'member.deleteManaged':     [Y, F, F, F, F, F, F, N],
	// SPEC §2: owners and billing admins manage billing (card.add arrives through the server's card route).
	'card.add':                 [Y, Y, F, Y, F, F, F, N],
	'card.setDefault':          [Y, Y, F, Y, F, F, F, N],
	'card.remove':              [Y, Y, F, Y, F, F, F, N],
	'billing.setInfo':          [Y, Y, F, Y, F, F, F, N],
	'team.create':              [Y, Y, F, F, F, F, F, N],
	'team.rename':              [Y, Y, F, F, F, F, F, N],
	'team.delete':              [Y, Y, F, F, F, F, F, N],
	'team.addMember':           [Y, Y, F, F, F, F, F, N],
	'team.removeMember':        [Y, Y, F, F, F, F, F, N],
	'team.addInvitee':          [Y, Y, F, F, F, F, F, N],
	'team.removeInvitee':       [Y, Y, F, F, F, F, F, N],
	// Project mutations: organization owners are implicit project owners; the others here hold no project role.
	'project.create':           [Y, Y, Y, F, F, F, F, N],
	'project.addUser':          [Y, Y, F, F, F, F, F, N],
	'project.invite':           [Y, Y, F, F, F, F, F, N],
	'project.cancelInvite':     [Y, Y, F, F, F, F, F, N],
	'project.addTeam':          [Y, Y, F, F, F, F, F, N],
	'project.setUserRoles':     [Y, Y, F, F, F, F, F, N],
	'project.setTeamRoles':     [Y, Y, F, F, F, F, F, N],
	'project.removeUser':       [Y, Y, F, F, F, F, F, N],
	'project.removeTeam':       [Y, Y, F, F, F, F, F, N],
	'project.close':            ['PROJECT_HAS_DEPLOYMENTS', 'PROJECT_HAS_DEPLOYMENTS', F, F, F, F, F, N],
	'deployment.create':        [Y, Y, F, F, F, F, F, N],
	'deployment.delete':        [Y, Y, F, F, F, F, F, N],
	// Any member but a read-only one may ask to join (the primary admin is already in Apollo).
	'join.request':             ['ALREADY_ASSIGNED', Y, Y, Y, Y, F, Y, N],
	'join.approve':             [Y, Y, F, F, F, F, F, N],
	'join.deny':                [Y, Y, F, F, F, F, F, N],
	// Only the invitee may accept (the outsider is invited below); for anyone else there is no such invitation.
	'invite.accept':            [I, I, I, I, I, I, I, Y]
};

/** For each type, a mutation that every check but the permission one accepts. */
const INTENT: Record<MutationType, Intent> = {
	'org.create': { type: 'org.create', name: 'Second org' },
	'org.rename': { type: 'org.rename', name: 'Renamed' },
	'member.add': { type: 'member.add', username: 'zed', role: 'ORG_MEMBER' },
	'member.invite': { type: 'member.invite', inviteId: 'i-new', email: 'new.person@example.org', role: 'ORG_MEMBER', teams: [teamId('Ops')] },
	'member.cancelInvite': { type: 'member.cancelInvite', inviteId: inviteId('outsider@example.com') },
	'member.setRole': { type: 'member.setRole', userId: id('tim'), role: 'ORG_READ_ONLY' },
	'member.remove': { type: 'member.remove', userId: id('tim') },
	'member.leave': { type: 'member.leave' },
	'org.transferPrimaryAdmin': { type: 'org.transferPrimaryAdmin', userId: id('tim') },
	'org.close': { type: 'org.close' },
	'org.setContact': { type: 'org.setContact', contact: 'emergency', email: 'oncall@example.org' },
	'org.setBillingContact': { type: 'org.setBillingContact', email: 'ap@example.org' },
	'org.setSecurity': { type: 'org.setSecurity', requireTwoFactor: false, idleTimeoutMinutes: 30, absoluteTimeoutHours: 12 },
	'org.setNotifications': { type: 'org.setNotifications', email: 'alerts@example.org', webhook: 'https://hooks.example.org/roster' },
	'member.addManaged': { type: 'member.addManaged', userId: id('newbie'), role: 'ORG_MEMBER' },
	// mona is managed, in team Ops and individually an owner of Apollo (which other owners keep).
	'member.deleteManaged': { type: 'member.deleteManaged', userId: id('mona') },
	'card.add': { type: 'card.add', cardId: 'c-new', brand: 'visa', last4: '1111', expMonth: 1, expYear: 2099, holder: 'Acme Inc' },
	'card.setDefault': { type: 'card.setDefault', cardId: 'c-2' },
	'card.remove': { type: 'card.remove', cardId: 'c-1' },
	'billing.setInfo': { type: 'billing.setInfo', billingEmail: 'ap@example.org', company: 'Acme Inc', address: '1 Main St', vatId: 'DE123' },
	'deployment.create': { type: 'deployment.create', projectId: projectId('Apollo'), deploymentId: 'd-new', name: 'analytics', plan: 'dedicated' },
	'deployment.delete': { type: 'deployment.delete', projectId: projectId('Apollo'), deploymentId: 'd-main' },
	'team.create': { type: 'team.create', teamId: 't-new', name: 'New team' },
	'team.rename': { type: 'team.rename', teamId: teamId('Ops'), name: 'Operations' },
	'team.delete': { type: 'team.delete', teamId: teamId('Ops') },
	'team.addMember': { type: 'team.addMember', teamId: teamId('Ops'), userId: id('creator') },
	'team.removeMember': { type: 'team.removeMember', teamId: teamId('Ops'), userId: id('tim') },
	'team.addInvitee': { type: 'team.addInvitee', teamId: teamId('Ops'), inviteId: inviteId('outsider@example.com') },
	'team.removeInvitee': { type: 'team.removeInvitee', teamId: teamId('Dev'), inviteId: inviteId('placed@example.org') },
	'project.create': { type: 'project.create', projectId: 'p-new', name: 'New project' },
	'project.addUser': { type: 'project.addUser', projectId: projectId('Apollo'), username: 'zed', roles: ['PROJECT_READ_ONLY'] },
	'project.invite': { type: 'project.invite', projectId: projectId('Apollo'), inviteId: 'i-new', email: 'new.person@example.org', roles: ['PROJECT_READ_ONLY'] },
	'project.cancelInvite': { type: 'project.cancelInvite', projectId: projectId('Apollo'), inviteId: inviteId('pending@example.org') },
	'project.addTeam': { type: 'project.addTeam', projectId: projectId('Apollo'), teamId: teamId('Ops'), roles: ['PROJECT_READ_ONLY'] },
	'project.setUserRoles': { type: 'project.setUserRoles', projectId: projectId('Apollo'), userId: id('tim'), roles: ['PROJECT_OWNER', 'PROJECT_READ_ONLY'] },
	'project.setTeamRoles': { type: 'project.setTeamRoles', projectId: projectId('Apollo'), teamId: teamId('Dev'), roles: ['PROJECT_CLUSTER_MANAGER'] },
	'project.removeUser': { type: 'project.removeUser', projectId: projectId('Apollo'), userId: id('tim') },
	'project.removeTeam': { type: 'project.removeTeam', projectId: projectId('Apollo'), teamId: teamId('Dev') },
	'project.close': { type: 'project.close', projectId: projectId('Apollo') },
	'join.request': { type: 'join.request', projectId: projectId('Apollo') },
	'join.approve': { type: 'join.approve', projectId: projectId('Apollo'), userId: id('tim2'), roles: ['PROJECT_READ_ONLY'] },
	'join.deny': { type: 'join.deny', projectId: projectId('Apollo'), userId: id('tim2') },
	'invite.accept': { type: 'invite.accept', inviteId: inviteId('outsider@example.com') }
};

function setup(type: MutationType) {
	const others = ['outsider', 'zed', 'newbie'];
	if (type === 'org.create') return emptyOrg([...Object.values(USERNAME), 'tim', ...others]);
	return orgWith({
		primaryAdmin: 'admin',
		members: [
			{ username: 'admin', role: 'ORG_OWNER' },
			...OrgRole.options.map((role) => ({ username: USERNAME[role], role })),
			{ username: 'tim', role: 'ORG_MEMBER' },
			{ username: 'tim2', role: 'ORG_MEMBER' },
			{ username: 'mona', role: 'ORG_MEMBER' }
		],
		verified: ['tim', 'outsider'],
		others,
		managed: ['mona', 'newbie'],
		invites: ['outsider@example.com', ['placed@example.org', ['Dev']]],
		cards: ['c-1', 'c-2'],
		teams: [
			{ name: 'Ops', members: ['tim', 'mona'] },
			{ name: 'Dev', members: ['tim'] }
		],
		projects: [
			{ name: 'Apollo', users: [['tim', ['PROJECT_OWNER']], ['admin', ['PROJECT_OWNER']], ['mona', ['PROJECT_OWNER']]], teams: [['Dev', ['PROJECT_OWNER']]], requests: ['tim2'], invites: ['pending@example.org'], deployments: ['main'] }
		]
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

	// Invariant 8: a closing organization is read-only but for paying what it owes; invariant 9: members may still leave.
	const WHILE_CLOSING: readonly MutationType[] = ['card.add', 'card.setDefault', 'card.remove', 'billing.setInfo', 'org.setBillingContact', 'member.leave'];
	it.each(MUTATION_TYPES.filter((t) => t !== 'org.create'))('while closing, %s is accepted only if it pays (billing) or leaves', (type) => {
		const fx = setup(type);
		applyChanges(fx.state, [{ kind: 'org.put', org: { ...fx.state.org()!, status: 'closing', closingAt: 1 } }], 'test');
		// The primary admin may not leave at all; another owner shows leaving is open.
		const actor = type === 'invite.accept' ? 'outsider' : type === 'member.leave' ? USERNAME.ORG_OWNER : USERNAME['primary admin'];
		const verdict = fx.check(actor, INTENT[type]);
		if (WHILE_CLOSING.includes(type)) expectAccepted(verdict);
		else expectRefused(verdict, 'ORG_CLOSING');
	});

	it.each(cells)('mayAttempt($actor, $type) agrees with $expected', ({ type, actor, expected }) => {
		const fx = setup(type);
		// Accepting is open to anyone signed in: whether an invitation names them is the check's to say.
		const permitted = expected !== 'FORBIDDEN' && expected !== 'NOT_A_MEMBER';
		expect(mayAttempt(fx.state, id(USERNAME[actor]), type)).toBe(permitted);
	});
});
