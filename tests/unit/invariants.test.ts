import { describe, expect, it } from 'vitest';
import {
	MUTATION_TYPES,
	OrgRole,
	ProjectRole,
	expiryHolder,
	expiryTargets,
	applyOrgChanges,
	mayAttempt,
	type MutationType,
	type OrgDocState,
	type RefusalCode
} from '../../src/lib/domain/index.ts';
import {
	assertInvariants,
	expectAccepted,
	expectRefused,
	id,
	membersOf,
	NOW,
	orgWith,
	pick,
	prng,
	profile,
	projectId,
	teamId,
	type Intent
} from './factories.ts';
import { INTENT, USERNAME, setup } from './permission-fixture.ts';

/** ann: primary admin; bob: second owner; carol: unverified member; dan: verified read-only. */
function acme() {
	return orgWith({
		primaryAdmin: 'ann',
		members: membersOf({ ann: 'ORG_OWNER', bob: 'ORG_OWNER', carol: 'ORG_MEMBER', dan: 'ORG_READ_ONLY' }),
		verified: ['bob', 'dan'],
		others: ['zed'],
		managed: ['carol', 'zed'],
		teams: [
			{ name: 'Ops', members: ['carol'] },
			{ name: 'Dev', members: [] }
		],
		projects: [
			{
				name: 'Apollo',
				users: [
					['ann', ['PROJECT_OWNER']],
					['bob', ['PROJECT_OWNER']]
				],
				teams: [['Ops', ['PROJECT_READ_ONLY']]],
				requests: ['dan'],
				invites: ['dan@example.com']
			}
		],
		invites: [['dan@example.com', ['Dev']]]
	});
}

const NON_OWNER_ROLES = OrgRole.options.filter((r) => r !== 'ORG_OWNER');

const refusals: { name: string; actor: string; intent: Intent; code: RefusalCode }[] = [
	...NON_OWNER_ROLES.flatMap((role) => [
		{
			name: `owner demotes primary admin to ${role}`,
			actor: 'bob',
			intent: { type: 'member.setRole', userId: id('ann'), role },
			code: 'PRIMARY_ADMIN_ROLE'
		} as const,
		{
			name: `primary admin demotes itself to ${role}`,
			actor: 'ann',
			intent: { type: 'member.setRole', userId: id('ann'), role },
			code: 'PRIMARY_ADMIN_ROLE'
		} as const
	]),
	{
		name: 'owner removes primary admin',
		actor: 'bob',
		intent: { type: 'member.remove', userId: id('ann') },
		code: 'PRIMARY_ADMIN_REMOVAL'
	},
	{
		name: 'primary admin removes itself',
		actor: 'ann',
		intent: { type: 'member.remove', userId: id('ann') },
		code: 'PRIMARY_ADMIN_REMOVAL'
	},
	{ name: 'primary admin leaves', actor: 'ann', intent: { type: 'member.leave' }, code: 'PRIMARY_ADMIN_LEAVE' },
	{
		name: 'transfer to an unverified member',
		actor: 'ann',
		intent: { type: 'org.transferPrimaryAdmin', userId: id('carol') },
		code: 'EMAIL_NOT_VERIFIED'
	},
	{
		name: 'transfer to a non-member',
		actor: 'ann',
		intent: { type: 'org.transferPrimaryAdmin', userId: id('zed') },
		code: 'MEMBER_NOT_FOUND'
	},
	{
		name: 'transfer to an unknown id',
		actor: 'ann',
		intent: { type: 'org.transferPrimaryAdmin', userId: 'u-nobody' },
		code: 'MEMBER_NOT_FOUND'
	},
	{
		name: 'transfer to self',
		actor: 'ann',
		intent: { type: 'org.transferPrimaryAdmin', userId: id('ann') },
		code: 'ALREADY_PRIMARY_ADMIN'
	},
	{
		name: 'add an unknown username',
		actor: 'ann',
		intent: { type: 'member.add', username: 'nobody', role: 'ORG_MEMBER' },
		code: 'USER_NOT_FOUND'
	},
	{
		name: 'add an existing member',
		actor: 'ann',
		intent: { type: 'member.add', username: 'bob', role: 'ORG_MEMBER' },
		code: 'ALREADY_MEMBER'
	},
	{
		name: 'add an existing member by upper-case username',
		actor: 'bob',
		intent: { type: 'member.add', username: 'CAROL', role: 'ORG_OWNER' },
		code: 'ALREADY_MEMBER'
	},
	{
		name: 'set the role of a non-member',
		actor: 'ann',
		intent: { type: 'member.setRole', userId: id('zed'), role: 'ORG_OWNER' },
		code: 'MEMBER_NOT_FOUND'
	},
	{ name: 'remove a non-member', actor: 'ann', intent: { type: 'member.remove', userId: id('zed') }, code: 'MEMBER_NOT_FOUND' },
	{ name: 'create over an existing org (member)', actor: 'ann', intent: { type: 'org.create', name: 'Again' }, code: 'ORG_EXISTS' },
	{ name: 'create over an existing org (non-member)', actor: 'zed', intent: { type: 'org.create', name: 'Again' }, code: 'ORG_EXISTS' }
];

describe('refusals that keep invariants 1, 2 and 9', () => {
	it.each(refusals)('$name → $code', ({ actor, intent, code }) => {
		const fx = acme();
		expectRefused(fx.check(actor, intent), code);
		assertInvariants(fx.state);
	});
});

describe('accepted paths keep invariant 1', () => {
	it('a second owner may be demoted, after which the primary admin still may not', () => {
		const fx = acme();
		expectAccepted(fx.run('ann', { type: 'member.setRole', userId: id('bob'), role: 'ORG_MEMBER' }));
		expect(fx.state.ownerCount()).toBe(1);
		assertInvariants(fx.state);
		expectRefused(fx.check('ann', { type: 'member.setRole', userId: id('ann'), role: 'ORG_MEMBER' }), 'PRIMARY_ADMIN_ROLE');
		expectRefused(fx.check('ann', { type: 'member.remove', userId: id('ann') }), 'PRIMARY_ADMIN_REMOVAL');
	});

	it('a non-primary owner may demote itself, be removed, or leave', () => {
		for (const intent of [
			{ type: 'member.setRole', userId: id('bob'), role: 'ORG_READ_ONLY' },
			{ type: 'member.remove', userId: id('bob') },
			{ type: 'member.leave' }
		] satisfies Intent[]) {
			const fx = acme();
			expectAccepted(fx.run('bob', intent));
			expect(fx.state.ownerCount()).toBe(1);
			assertInvariants(fx.state);
		}
	});

	it('a member leaves (invariant 9)', () => {
		const fx = acme();
		expectAccepted(fx.run('carol', { type: 'member.leave' }));
		expect(fx.state.member(id('carol'))).toBeUndefined();
		expectRefused(fx.check('carol', { type: 'member.leave' }), 'NOT_A_MEMBER');
		assertInvariants(fx.state);
	});

	it('promoting and re-setting the same role are accepted', () => {
		const fx = acme();
		expectAccepted(fx.run('ann', { type: 'member.setRole', userId: id('carol'), role: 'ORG_OWNER' }));
		expect(fx.state.ownerCount()).toBe(3);
		const same = fx.check('ann', { type: 'member.setRole', userId: id('ann'), role: 'ORG_OWNER' });
		expectAccepted(same);
		expect(same.changes).toEqual([]);
		assertInvariants(fx.state);
	});

	it('transfer makes a non-owner target ORG_OWNER and the old admin a plain owner (invariant 2)', () => {
		const fx = acme();
		const verdict = fx.run('ann', { type: 'org.transferPrimaryAdmin', userId: id('dan') });
		expectAccepted(verdict);
		expect(fx.state.org()!.primaryAdminId).toBe(id('dan'));
		expect(fx.state.member(id('dan'))!.role).toBe('ORG_OWNER');
		expect(fx.state.member(id('ann'))!.role).toBe('ORG_OWNER');
		expect(fx.state.ownerCount()).toBe(3);
		assertInvariants(fx.state);

		expectRefused(fx.check('ann', { type: 'org.transferPrimaryAdmin', userId: id('bob') }), 'FORBIDDEN');
		expect(mayAttempt(fx.state, id('ann'), 'org.transferPrimaryAdmin')).toBe(false);
		expect(mayAttempt(fx.state, id('dan'), 'org.transferPrimaryAdmin')).toBe(true);
		expectRefused(fx.check('dan', { type: 'member.leave' }), 'PRIMARY_ADMIN_LEAVE');
		expectRefused(fx.check('ann', { type: 'member.setRole', userId: id('dan'), role: 'ORG_MEMBER' }), 'PRIMARY_ADMIN_ROLE');

		expectAccepted(fx.run('ann', { type: 'member.leave' }));
		assertInvariants(fx.state);
	});

	it('transfer to an existing owner changes only the organization', () => {
		const fx = acme();
		const verdict = fx.run('ann', { type: 'org.transferPrimaryAdmin', userId: id('bob') });
		expectAccepted(verdict);
		expect(verdict.changes.map((c) => c.kind)).toEqual(['org.put']);
		assertInvariants(fx.state);
	});

	it('transfer follows the directory when the email gets verified', () => {
		const fx = acme();
		expectRefused(fx.check('ann', { type: 'org.transferPrimaryAdmin', userId: id('carol') }), 'EMAIL_NOT_VERIFIED');
		fx.directory.put({ ...fx.directory.user(id('carol'))!, emailVerified: true });
		expectAccepted(fx.run('ann', { type: 'org.transferPrimaryAdmin', userId: id('carol') }));
		assertInvariants(fx.state);
	});
});

describe('LAST_OWNER, in a state the rules cannot reach (primary admin not an owner)', () => {
	function broken() {
		return orgWith({
			primaryAdmin: 'ann',
			members: membersOf({ ann: 'ORG_MEMBER', bob: 'ORG_OWNER', carol: 'ORG_MEMBER' })
		});
	}

	it.each<{ name: string; intent: Intent }>([
		{ name: 'demoted', intent: { type: 'member.setRole', userId: id('bob'), role: 'ORG_MEMBER' } },
		{ name: 'removed', intent: { type: 'member.remove', userId: id('bob') } },
		{ name: 'leaving', intent: { type: 'member.leave' } }
	])('the last owner being $name → LAST_OWNER', ({ intent }) => {
		const fx = broken();
		expect(fx.state.ownerCount()).toBe(1);
		expectRefused(fx.check('bob', intent), 'LAST_OWNER');
	});
});

describe('a closed organization is read-only (invariant 8)', () => {
	// The permission matrix's fixture and intents: admin is the primary admin, owner an owner, member an unverified member.
	const ACTORS_HERE = [USERNAME['primary admin'], USERNAME.ORG_OWNER, USERNAME.ORG_MEMBER];

	/** The matrix's organization for `type` (for org.create, one that exists), closed. */
	function closed(type: MutationType) {
		const fx = setup(type === 'org.create' ? 'org.rename' : type);
		applyOrgChanges(fx.doc, [{ kind: 'org.put', org: { ...fx.state.org()!, status: 'closed' } }], 'test');
		return fx;
	}

	it.each(MUTATION_TYPES.flatMap((type) => ACTORS_HERE.map((actor) => ({ type, actor }))))(
		'$type by $actor is refused',
		({ type, actor }) => {
			const fx = closed(type);
			// The invitation is the outsider's: for these members the answer is the one for an unknown invitation.
			// Unscoped mutations (invite.accept, sso.apply) are refused by their own check, which mayAttempt does not run.
			const code = type === 'org.create' ? 'ORG_EXISTS' : type === 'invite.accept' ? 'INVITATION_NOT_FOUND' : 'ORG_CLOSED';
			expectRefused(fx.check(actor, INTENT[type]), code);
			if (!['org.create', 'invite.accept', 'sso.apply'].includes(type)) expect(mayAttempt(fx.state, id(actor), type)).toBe(false);
		}
	);

	it('every intent is accepted by someone while the organization is active', () => {
		for (const type of MUTATION_TYPES.filter((t) => t !== 'org.create')) {
			const fx = setup(type);
			// Apollo's deployment keeps the organization and the project open.
			if (type === 'org.close' || type === 'project.close') expectAccepted(fx.run('admin', INTENT['deployment.delete']));
			const actor =
				type === 'member.leave' || type === 'join.request'
					? 'owner'
					: type === 'invite.accept'
						? 'outsider'
						: type === 'member.provision'
							? 'robot'
							: 'admin';
			expectAccepted(fx.check(actor, INTENT[type]));
		}
	});
});

describe('random walks keep the invariants', () => {
	const accepted = new Set<string>();
	const people = ['ann', 'bob', 'carol', 'dan', 'eve', 'fay', 'gus', 'hal'];
	const robots = ['ivy', 'jon'];
	const roles = OrgRole.options;

	function randomIntent(rand: () => number, state: OrgDocState): Intent {
		const target = pick(rand, people);
		const team = pick(rand, ['Ops', 'Dev', 'Data']);
		const project = projectId(pick(rand, ['Apollo', 'Gemini']));
		const projectRoles = (): ProjectRole[] => ProjectRole.options.filter(() => rand() < 0.5).concat(rand() < 0.5 ? ['PROJECT_OWNER'] : []);
		// Mostly someone who did ask, or answers would almost never be accepted.
		const requester = () => {
			const asked = state.project(project)?.joinRequests() ?? [];
			return asked.length && rand() < 0.8 ? pick(rand, asked).userId : id(target);
		};
		const kinds = [
			'add',
			'setRole',
			'setRole',
			'remove',
			'leave',
			'transfer',
			'rename',
			'team',
			'teamAdd',
			'teamAdd',
			'teamRemove',
			'teamRemove',
			'teamRemove',
			'teamRename',
			'teamDelete',
			'project',
			'projectUser',
			'projectUser',
			'projectUserRoles',
			'projectUserRemove',
			'projectTeam',
			'projectTeamRoles',
			'projectTeamRemove',
			'projectClose',
			'joinRequest',
			'joinRequest',
			'joinApprove',
			'joinDeny',
			'deploy',
			'deploy',
			'undeploy',
			'contact',
			'security',
			'card',
			'card',
			'cardDefault',
			'cardRemove',
			'billingInfo',
			'invite',
			'invite',
			'inviteTeam',
			'inviteTeam',
			'inviteTeam',
			'inviteCancel',
			'projectInvite',
			'projectInviteCancel',
			'accept',
			'accept',
			'accept',
			'addManaged',
			'deleteManaged',
			'notifications',
			'serviceAccount',
			'serviceAccount',
			'serviceAccount',
			'sso',
			'sso'
		] as const;
		// A directory address (maybe unverified, so invited) or one nobody has.
		const email = () => (rand() < 0.7 ? `${target}@example.com` : `new${Math.floor(rand() * 3)}@example.org`);
		const anyOf = <T>(list: T[], fallback: T) => (list.length ? pick(rand, list) : fallback);
		switch (pick(rand, kinds)) {
			case 'add':
				return { type: 'member.add', username: target, role: pick(rand, roles) };
			case 'setRole':
				return { type: 'member.setRole', userId: id(target), role: pick(rand, roles) };
			case 'remove':
				return { type: 'member.remove', userId: id(target) };
			case 'leave':
				return { type: 'member.leave' };
			case 'transfer':
				return { type: 'org.transferPrimaryAdmin', userId: id(target) };
			case 'rename':
				return { type: 'org.rename', name: `Acme ${Math.floor(rand() * 100)}` };
			case 'team':
				return { type: 'team.create', teamId: teamId(team), name: rand() < 0.5 ? team : ` ${team.toUpperCase()} ` };
			case 'teamAdd':
				return { type: 'team.addMember', teamId: teamId(team), userId: id(target) };
			case 'teamRemove': {
				// Mostly someone actually in the team, or removals would almost never be accepted.
				const inTeam = state.teamMemberIds(teamId(team));
				const userId = inTeam.length && rand() < 0.8 ? pick(rand, inTeam) : id(target);
				return { type: 'team.removeMember', teamId: teamId(team), userId };
			}
			case 'teamRename':
				return { type: 'team.rename', teamId: teamId(team), name: pick(rand, ['Ops', 'Dev', 'Data', 'Infra']) };
			case 'teamDelete':
				return { type: 'team.delete', teamId: teamId(team) };
			case 'project':
				return { type: 'project.create', projectId: project, name: project.slice(2) };
			case 'projectUser':
				return { type: 'project.addUser', projectId: project, username: target, roles: projectRoles() };
			case 'projectUserRoles':
				return { type: 'project.setUserRoles', projectId: project, userId: id(target), roles: projectRoles() };
			case 'projectUserRemove':
				return { type: 'project.removeUser', projectId: project, userId: id(target) };
			case 'projectTeam':
				return { type: 'project.addTeam', projectId: project, teamId: teamId(team), roles: projectRoles() };
			case 'projectTeamRoles':
				return { type: 'project.setTeamRoles', projectId: project, teamId: teamId(team), roles: projectRoles() };
			case 'projectTeamRemove':
				return { type: 'project.removeTeam', projectId: project, teamId: teamId(team) };
			case 'joinRequest':
				return { type: 'join.request', projectId: project };
			case 'joinApprove':
				return { type: 'join.approve', projectId: project, userId: requester(), roles: projectRoles() };
			case 'joinDeny':
				return { type: 'join.deny', projectId: project, userId: requester() };
			case 'invite':
				return {
					type: 'member.invite',
					inviteId: `i-${Math.floor(rand() * 1e9)}`,
					email: email(),
					role: pick(rand, roles),
					teams: rand() < 0.5 ? [teamId(team)] : []
				};
			case 'card':
				return {
					type: 'card.add',
					cardId: `c-${Math.floor(rand() * 5)}`,
					brand: 'visa',
					last4: '4242',
					expMonth: 12,
					expYear: 2099,
					holder: target
				};
			case 'cardDefault':
				return { type: 'card.setDefault', cardId: `c-${Math.floor(rand() * 5)}` };
			case 'cardRemove':
				return { type: 'card.remove', cardId: `c-${Math.floor(rand() * 5)}` };
			case 'billingInfo':
				return {
					type: 'billing.setInfo',
					billingEmail: rand() < 0.5 ? null : `${target}@example.com`,
					company: 'Acme',
					address: '',
					vatId: ''
				};
			case 'contact':
				return rand() < 0.5
					? {
							type: 'org.setContact',
							contact: pick(rand, ['technical', 'emergency']),
							email: rand() < 0.7 ? `${target}@example.com` : null
						}
					: { type: 'org.setBillingContact', email: rand() < 0.7 ? `${target}@example.com` : null };
			case 'security':
				return {
					type: 'org.setSecurity',
					requireTwoFactor: false,
					idleTimeoutMinutes: rand() < 0.5 ? null : 30,
					absoluteTimeoutHours: rand() < 0.5 ? null : 12
				};
			case 'deploy':
				return {
					type: 'deployment.create',
					projectId: project,
					deploymentId: `d-${Math.floor(rand() * 4)}`,
					name: pick(rand, ['db', 'cache', 'logs']),
					plan: pick(rand, ['free', 'shared', 'dedicated'])
				};
			case 'undeploy':
				return { type: 'deployment.delete', projectId: project, deploymentId: `d-${Math.floor(rand() * 4)}` };
			case 'inviteTeam': {
				const invitation = anyOf(state.invitations(), undefined);
				const inviteId = invitation?.id ?? 'i-none';
				// Mostly a team it is placed in, or removals would almost never be accepted.
				if (rand() < 0.5) return { type: 'team.removeInvitee', teamId: anyOf(invitation?.teams ?? [], teamId(team)), inviteId };
				return { type: 'team.addInvitee', teamId: teamId(team), inviteId };
			}
			case 'inviteCancel':
				return {
					type: 'member.cancelInvite',
					inviteId: anyOf(
						state.invitations().map((i) => i.id),
						'i-none'
					)
				};
			case 'projectInvite':
				return {
					type: 'project.invite',
					projectId: project,
					inviteId: `i-${Math.floor(rand() * 1e9)}`,
					email: email(),
					roles: projectRoles()
				};
			case 'projectInviteCancel':
				return {
					type: 'project.cancelInvite',
					projectId: project,
					inviteId: anyOf(
						state
							.project(project)
							?.invitations()
							.map((i) => i.id) ?? [],
						'i-none'
					)
				};
			case 'accept': {
				const inProject = rand() < 0.5;
				const ids = (inProject ? state.project(project)?.invitations() : state.invitations())?.map((i) => i.id) ?? [];
				return { type: 'invite.accept', inviteId: anyOf(ids, 'i-none'), ...(inProject ? { projectId: project } : {}) };
			}
			case 'addManaged':
				return { type: 'member.addManaged', userId: id(target), role: pick(rand, roles) };
			case 'deleteManaged':
				// Mostly a member it manages, or deletions would almost never be accepted.
				return {
					type: 'member.deleteManaged',
					userId: anyOf(
						state
							.members()
							.filter((m) => m.managedBy)
							.map((m) => m.userId),
						id(target)
					)
				};
			case 'notifications':
				return {
					type: 'org.setNotifications',
					email: rand() < 0.5 ? null : `${target}@example.com`,
					webhook: rand() < 0.5 ? null : 'https://hooks.example.org/a'
				};
			case 'serviceAccount':
				return serviceIntent(rand, state, project);
			case 'sso':
				return ssoIntent(rand, state, project, target);

			case 'projectClose':
				// Rarely, or every project would soon be closed and nothing left to check.
				return rand() < 0.2 ? { type: 'project.close', projectId: project } : { type: 'org.rename', name: 'Acme' };
		}
	}

	/** rules §5 service accounts ivy and jon: created (maybe with a project role), described, given and stripped of secrets, deleted. */
	function serviceIntent(rand: () => number, state: OrgDocState, project: string): Intent {
		const userId = id(pick(rand, robots));
		const secrets = state.row('serviceAccount', userId)?.secrets ?? [];
		switch (
			pick(rand, ['add', 'add', 'update', 'secret', 'secret', 'revoke', 'revoke', 'delete', 'policy', 'provision', 'provision'] as const)
		) {
			case 'add': {
				const projects = rand() < 0.5 ? [{ projectId: project, roles: ['PROJECT_READ_ONLY' as const] }] : [];
				return { type: 'serviceAccount.add', userId, description: 'CI', role: pick(rand, OrgRole.options), projects };
			}
			case 'update':
				return { type: 'serviceAccount.update', userId, description: `Job ${Math.floor(rand() * 10)}` };
			case 'secret':
				return {
					type: 'serviceAccount.addSecret',
					userId,
					secretId: `s-${Math.floor(rand() * 1e9)}`,
					expiresAt: NOW + Math.floor(rand() * 400 * 86_400_000)
				};
			case 'revoke':
				return { type: 'serviceAccount.revokeSecret', userId, secretId: secrets.length ? pick(rand, secrets).id : 's-none' };
			case 'delete':
				return { type: 'serviceAccount.delete', userId };
			case 'policy':
				return { type: 'serviceAccount.setPolicy', secretMaxDays: 1 + Math.floor(rand() * 365) };
			// docs/scim.md: an owner service account brings a managed user in (accepted only when the actor is one).
			case 'provision':
				return { type: 'member.provision', userId: id(pick(rand, ['gus', 'hal'])), role: pick(rand, OrgRole.options) };
		}
	}

	/**
	 * rules §6: an expiry set on a membership, a place in a team or a user's or team's project assignment (maybe with a fall-back,
	 * or cleared), or the server applying a due one (the walk's clock moves past it) or recording its reminder, between the steps above.
	 */
	function expiryStep(rand: () => number, state: OrgDocState): Intent {
		const targets = expiryTargets(state);
		if (targets.length && rand() < 0.4) {
			const t = pick(rand, targets);
			const at = expiryHolder(state, t)!.expiry!.at;
			return { type: rand() < 0.8 ? 'access.expire' : 'access.remindExpiry', target: t, at };
		}
		const project = pick(rand, ['p-apollo', 'p-gemini']);
		const team = pick(rand, ['Ops', 'Dev', 'Data']);
		const target = pick(rand, people);
		const userId = id(target);
		const at = NOW + Math.floor(1 + rand() * 60) * 86_400_000;
		const kind = pick(rand, ['member', 'team', 'project', 'projectTeam'] as const);
		if (kind === 'team') return { type: 'access.setExpiry', target: { kind, teamId: teamId(team), userId }, expiry: { at } };
		if (kind === 'member') {
			const then = rand() < 0.5 ? pick(rand, OrgRole.options) : undefined;
			return { type: 'access.setExpiry', target: { kind, userId }, expiry: rand() < 0.15 ? null : { at, ...(then && { then }) } };
		}
		const then = rand() < 0.5 ? [pick(rand, ProjectRole.options)] : undefined;
		return {
			type: 'access.setExpiry',
			target: kind === 'projectTeam' ? { kind, projectId: project, teamId: teamId(team) } : { kind, projectId: project, userId },
			expiry: rand() < 0.15 ? null : { at, ...(then && { then }) }
		};
	}

	/** rules §2 single sign-on: the primary admin maps groups eng and ops (maybe to owners), and someone signs in with some of them. */
	function ssoIntent(rand: () => number, state: OrgDocState, project: string, target: string): Intent {
		const groups = ['eng', 'ops', 'other'].filter(() => rand() < 0.5);
		if (state.org()?.sso && rand() < 0.7) return { type: 'sso.apply', userId: id(target), groups };
		const teams = [...state.rows('team').keys()].filter(() => rand() < 0.5);
		return {
			type: 'sso.configure',
			providerId: 'corp',
			required: rand() < 0.3,
			defaultRole: rand() < 0.5 ? null : 'ORG_READ_ONLY',
			grants: [
				{
					group: 'eng',
					role: pick(rand, OrgRole.options),
					teams,
					projects: [{ projectId: project, roles: ['PROJECT_CLUSTER_MANAGER'] }]
				},
				{ group: 'ops', role: 'ORG_MEMBER', teams: [], projects: [] }
			]
		};
	}

	/** The person an invitation names (addresses are username@example.com), or nobody for a new address. */
	function invitee(state: OrgDocState, intent: Extract<Intent, { type: 'invite.accept' }>): string {
		const invitation = intent.projectId ? state.project(intent.projectId)?.invitation(intent.inviteId) : state.invitation(intent.inviteId);
		return invitation?.email.split('@')[0] ?? 'nobody';
	}

	it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])('seed %i', (seed) => {
		const rand = prng(seed);
		const fx = orgWith({
			primaryAdmin: 'ann',
			members: [{ username: 'ann', role: 'ORG_OWNER' }],
			verified: people.filter(() => rand() < 0.7),
			others: [...people.slice(1), ...robots],
			managed: ['gus', 'hal'],
			service: robots
		});
		for (let step = 0; step < 1500; step++) {
			const members = fx.state.members().map((m) => m.username);
			const intent = randomIntent(rand, fx.state);
			// Now and then an invitee verifies their address, so invitations to it can be accepted.
			if (rand() < 0.02) {
				const invitees = fx.state
					.invitations()
					.map((i) => i.email.split('@')[0]!)
					.filter((p) => people.includes(p));
				fx.directory.put(profile(invitees.length ? pick(rand, invitees) : pick(rand, people), true));
			}
			const verdict = fx.run(
				intent.type === 'invite.accept' && rand() < 0.8 ? invitee(fx.state, intent) : pick(rand, rand() < 0.8 ? members : people),
				intent
			);
			if (verdict.ok) accepted.add(intent.type);
			assertInvariants(fx.state);
			if (rand() < 0.1) {
				const expiry = expiryStep(rand, fx.state);
				const by = pick(
					rand,
					fx.state.members().map((m) => m.username)
				);
				if (fx.run(by, expiry, expiry.type === 'access.expire' ? expiry.at + 1 : undefined).ok) accepted.add(expiry.type);
				assertInvariants(fx.state);
			}
		}
	});

	it('together the seeds had every kind of mutation accepted', () => {
		// Closing ends a walk, so it has tests of its own. A walk's managed users are soon deleted from Roster for good, so
		// provisioning them is tried here (for the invariants) but its acceptance is shown by the fixture table above.
		expect([...accepted].sort()).toEqual(
			MUTATION_TYPES.filter((t) => t !== 'org.create' && t !== 'org.close' && t !== 'member.provision').sort()
		);
	});
});
