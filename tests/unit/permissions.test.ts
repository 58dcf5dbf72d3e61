import { describe, expect, it } from 'vitest';
import {
	MUTATIONS,
	MUTATION_TYPES,
	OrgRole,
	applyChanges,
	mayAttempt,
	type MutationType,
	type RefusalCode
} from '../../src/lib/domain/index.ts';
import { NOW, assertInvariants, expectAccepted, expectRefused, id, projectId, teamId } from './factories.ts';
import { ACTORS, INTENT, USERNAME, setup } from './permission-fixture.ts';

type Expected = 'ok' | RefusalCode;
const Y = 'ok';
const F = 'FORBIDDEN';
const N = 'NOT_A_MEMBER';
const I = 'INVITATION_NOT_FOUND';

// Columns follow ACTORS: primary admin, OWNER, PROJECT_CREATOR, BILLING_ADMIN, BILLING_VIEWER, READ_ONLY, MEMBER, non-member.
const TABLE: Record<MutationType, readonly Expected[]> = {
	'org.create': [Y, Y, Y, Y, Y, Y, Y, Y],
	'org.rename': [Y, Y, F, F, F, F, F, N],
	'member.add': [Y, Y, F, F, F, F, F, N],
	'member.invite': [Y, Y, F, F, F, F, F, N],
	'member.cancelInvite': [Y, Y, F, F, F, F, F, N],
	'member.setRole': [Y, Y, F, F, F, F, F, N],
	'member.remove': [Y, Y, F, F, F, F, F, N],
	'member.leave': ['PRIMARY_ADMIN_LEAVE', Y, Y, Y, Y, Y, Y, N],
	'org.transferPrimaryAdmin': [Y, F, F, F, F, F, F, N],
	// Apollo has an active deployment: the primary admin may try, and is told why not (invariant 8).
	'org.close': ['ORG_HAS_DEPLOYMENTS', F, F, F, F, F, F, N],
	'org.setContact': [Y, F, F, F, F, F, F, N],
	'org.setBillingContact': [Y, Y, Y, Y, Y, F, Y, N],
	'org.setSecurity': [Y, F, F, F, F, F, F, N],
	// rules §2: notification channels and the users the organization manages are the primary admin's.
	'org.setNotifications': [Y, F, F, F, F, F, F, N],
	'member.addManaged': [Y, F, F, F, F, F, F, N],
	'member.deleteManaged': [Y, F, F, F, F, F, F, N],
	// rules §5: only an Organization Owner service account provisions (docs/scim.md); no person does.
	'member.provision': ['NOT_PROVISIONER', 'NOT_PROVISIONER', F, F, F, F, F, N],
	// rules §2: owners and billing admins manage billing (card.add arrives through the server's card route).
	'card.add': [Y, Y, F, Y, F, F, F, N],
	'card.setDefault': [Y, Y, F, Y, F, F, F, N],
	'card.remove': [Y, Y, F, Y, F, F, F, N],
	'billing.setInfo': [Y, Y, F, Y, F, F, F, N],
	'team.create': [Y, Y, F, F, F, F, F, N],
	'team.rename': [Y, Y, F, F, F, F, F, N],
	'team.delete': [Y, Y, F, F, F, F, F, N],
	'team.addMember': [Y, Y, F, F, F, F, F, N],
	'team.removeMember': [Y, Y, F, F, F, F, F, N],
	'team.addInvitee': [Y, Y, F, F, F, F, F, N],
	'team.removeInvitee': [Y, Y, F, F, F, F, F, N],
	// Project mutations: organization owners are implicit project owners; the others here hold no project role.
	'project.create': [Y, Y, Y, F, F, F, F, N],
	'project.addUser': [Y, Y, F, F, F, F, F, N],
	'project.invite': [Y, Y, F, F, F, F, F, N],
	'project.cancelInvite': [Y, Y, F, F, F, F, F, N],
	'project.addTeam': [Y, Y, F, F, F, F, F, N],
	'project.setUserRoles': [Y, Y, F, F, F, F, F, N],
	'project.setTeamRoles': [Y, Y, F, F, F, F, F, N],
	'project.removeUser': [Y, Y, F, F, F, F, F, N],
	'project.removeTeam': [Y, Y, F, F, F, F, F, N],
	'project.close': ['PROJECT_HAS_DEPLOYMENTS', 'PROJECT_HAS_DEPLOYMENTS', F, F, F, F, F, N],
	'deployment.create': [Y, Y, F, F, F, F, F, N],
	'deployment.delete': [Y, Y, F, F, F, F, F, N],
	// Any member but a read-only one may ask to join (the primary admin is already in Apollo).
	'join.request': ['ALREADY_ASSIGNED', Y, Y, Y, Y, F, Y, N],
	'join.approve': [Y, Y, F, F, F, F, F, N],
	'join.deny': [Y, Y, F, F, F, F, F, N],
	// Only the invitee may accept (the outsider is invited below); for anyone else there is no such invitation.
	'invite.accept': [I, I, I, I, I, I, I, Y],
	// rules §5: owners manage service accounts (see tests/unit/service-accounts.test.ts for a service account acting).
	'serviceAccount.add': [Y, Y, F, F, F, F, F, N],
	'serviceAccount.update': [Y, Y, F, F, F, F, F, N],
	'serviceAccount.addSecret': [Y, Y, F, F, F, F, F, N],
	'serviceAccount.revokeSecret': [Y, Y, F, F, F, F, F, N],
	'serviceAccount.delete': [Y, Y, F, F, F, F, F, N],
	'serviceAccount.setPolicy': [Y, Y, F, F, F, F, F, N],
	// rules §2 single sign-on: the link and mapping are the primary admin's; the server applies the mapping (serverOnly) to whoever signs in.
	'sso.configure': [Y, F, F, F, F, F, F, N],
	'sso.apply': [Y, Y, Y, Y, Y, Y, Y, Y],
	// rules §6: an expiry is set by whoever may make its change (here removing tim from Ops); the server applies it and records
	// its reminder (serverOnly) as the holder, any member, whatever its role.
	'access.setExpiry': [Y, Y, F, F, F, F, F, N],
	'access.expire': [Y, Y, Y, Y, Y, Y, Y, N],
	'access.remindExpiry': [Y, Y, Y, Y, Y, Y, Y, N]
};

/** The matrix: every mutation the registry holds, by every actor. */
const cells = Object.values(MUTATIONS).flatMap(({ type }) => ACTORS.map((actor, i) => ({ type, actor, expected: TABLE[type][i]! })));

describe('permission table', () => {
	it('covers every mutation type and every org role', () => {
		expect(Object.keys(TABLE).sort()).toEqual(Object.keys(MUTATIONS).sort());
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
	const WHILE_CLOSING: readonly MutationType[] = [
		'card.add',
		'card.setDefault',
		'card.remove',
		'billing.setInfo',
		'org.setBillingContact',
		'member.leave'
	];
	it.each(MUTATION_TYPES.filter((t) => t !== 'org.create'))('while closing, %s is accepted only if it pays (billing) or leaves', (type) => {
		const fx = setup(type);
		applyChanges(fx.state, [{ kind: 'org.put', org: { ...fx.state.org()!, status: 'closing', closingAt: 1 } }], 'test');
		// The primary admin may not leave at all; another owner shows leaving is open.
		const actor = type === 'invite.accept' ? 'outsider' : type === 'member.leave' ? USERNAME.ORG_OWNER : USERNAME['primary admin'];
		const verdict = fx.check(actor, INTENT[type]);
		if (WHILE_CLOSING.includes(type)) expectAccepted(verdict);
		else expectRefused(verdict, 'ORG_CLOSING');
	});

	// rules §6: a team's roles in a project expire as project.setTeamRoles is authorized (Dev owns Apollo: it falls back to Read Only).
	const teamExpiry = {
		...INTENT['access.setExpiry'],
		target: { kind: 'projectTeam', projectId: projectId('Apollo'), teamId: teamId('Dev') }
	} as const;
	it.each(ACTORS.map((actor, i) => ({ actor, expected: TABLE['project.setTeamRoles'][i]! })))(
		"access.setExpiry on a team's project roles by $actor → $expected, as project.setTeamRoles",
		({ actor, expected }) => {
			const verdict = setup('access.setExpiry').check(USERNAME[actor], {
				...teamExpiry,
				expiry: { at: NOW + 86_400_000, then: ['PROJECT_READ_ONLY'] }
			});
			if (expected === 'ok') expectAccepted(verdict);
			else expectRefused(verdict, expected);
		}
	);

	it.each(cells)('mayAttempt($actor, $type) agrees with $expected', ({ type, actor, expected }) => {
		const fx = setup(type);
		// Accepting is open to anyone signed in: whether an invitation names them is the check's to say.
		const permitted = expected !== 'FORBIDDEN' && expected !== 'NOT_A_MEMBER';
		expect(mayAttempt(fx.state, id(USERNAME[actor]), type)).toBe(permitted);
	});
});
