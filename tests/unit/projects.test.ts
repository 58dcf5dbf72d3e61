import { describe, expect, it } from 'vitest';
import {
	MUTATION_TYPES,
	OverlayState,
	ProjectRole,
	canReadProject,
	effectiveProjectRoles,
	mayAttempt,
	projectRoleSources,
	type MutationType,
	type OrgRole,
	type RefusalCode
} from '../../src/lib/domain/index.ts';
import {
	assertInvariants,
	expectAccepted,
	expectRefused,
	id,
	inviteId,
	membersOf,
	NOW,
	orgWith,
	projectId,
	teamId,
	type Intent,
	type OrgSpec
} from './factories.ts';

type ProjectMutationType = Extract<MutationType, `project.${string}`>;
type Expected = 'ok' | RefusalCode;

const APOLLO = projectId('Apollo');
const PROJECT_TYPES = MUTATION_TYPES.filter((t): t is ProjectMutationType => t.startsWith('project.'));
/** Project mutations addressed to an existing project (all but project.create). */
const ADDRESSED_TYPES = PROJECT_TYPES.filter((t) => t !== 'project.create');
const sorted = <T>(xs: readonly T[]) => [...xs].sort();

// ---------------------------------------------------------------------------------------------
// 1. Who may send each project mutation, by the actor's project role (individual or via a team)
// ---------------------------------------------------------------------------------------------

/**
 * admin: primary admin (ORG_OWNER, not assigned). mia: the actor under test (ORG_MEMBER unless
 * said otherwise), holding `role` individually or through team Mine. tim: individual owner and in
 * owner team Dev. ron: read-only user. Ops (olga): read-only team. Spare (ron): unassigned team.
 */
function tableOrg(role: ProjectRole | null, via: 'individual' | 'team', miaRole: OrgRole = 'ORG_MEMBER') {
	return orgWith({
		primaryAdmin: 'admin',
		members: [
			{ username: 'admin', role: 'ORG_OWNER' },
			{ username: 'mia', role: miaRole },
			{ username: 'tim', role: 'ORG_MEMBER' },
			{ username: 'ron', role: 'ORG_MEMBER' },
			{ username: 'olga', role: 'ORG_MEMBER' }
		],
		others: ['zed'],
		teams: [
			{ name: 'Dev', members: ['tim'] },
			{ name: 'Ops', members: ['olga'] },
			{ name: 'Mine', members: ['mia'] },
			{ name: 'Spare', members: ['ron'] }
		],
		projects: [
			{
				name: 'Apollo',
				users: [
					['tim', ['PROJECT_OWNER']],
					['ron', ['PROJECT_READ_ONLY']],
					...(role && via === 'individual' ? [['mia', [role]] as [string, ProjectRole[]]] : [])
				],
				teams: [
					['Dev', ['PROJECT_OWNER']],
					['Ops', ['PROJECT_READ_ONLY']],
					...(role && via === 'team' ? [['Mine', [role]] as [string, ProjectRole[]]] : [])
				],
				invites: ['pending@example.org']
			}
		]
	});
}

/** For each project mutation, one that every check but the permission one accepts. */
const INTENT: Record<ProjectMutationType, Intent> = {
	'project.create': { type: 'project.create', projectId: 'p-new', name: 'New project' },
	'project.addUser': { type: 'project.addUser', projectId: APOLLO, username: 'zed', roles: ['PROJECT_READ_ONLY'] },
	'project.invite': {
		type: 'project.invite',
		projectId: APOLLO,
		inviteId: 'i-new',
		email: 'new@example.org',
		roles: ['PROJECT_READ_ONLY']
	},
	'project.cancelInvite': { type: 'project.cancelInvite', projectId: APOLLO, inviteId: inviteId('pending@example.org') },
	'project.addTeam': { type: 'project.addTeam', projectId: APOLLO, teamId: teamId('Spare'), roles: ['PROJECT_READ_ONLY'] },
	'project.setUserRoles': { type: 'project.setUserRoles', projectId: APOLLO, userId: id('ron'), roles: ['PROJECT_CLUSTER_MANAGER'] },
	'project.setTeamRoles': { type: 'project.setTeamRoles', projectId: APOLLO, teamId: teamId('Ops'), roles: ['PROJECT_CLUSTER_MANAGER'] },
	'project.removeUser': { type: 'project.removeUser', projectId: APOLLO, userId: id('ron') },
	'project.removeTeam': { type: 'project.removeTeam', projectId: APOLLO, teamId: teamId('Ops') },
	'project.close': { type: 'project.close', projectId: APOLLO }
};

const HOLDERS = ['PROJECT_OWNER', 'PROJECT_CLUSTER_MANAGER', 'PROJECT_READ_ONLY', 'none', 'org owner', 'org read-only'] as const;
type Holder = (typeof HOLDERS)[number];
const Y = 'ok';
const F = 'FORBIDDEN';

// Columns follow HOLDERS. The first four are an ORG_MEMBER holding that project role (or none);
// "org owner" is an ORG_OWNER and "org read-only" an ORG_READ_ONLY, neither assigned to the project.
const TABLE: Record<ProjectMutationType, readonly Expected[]> = {
	// An org action, not a project one: no project role lets an ORG_MEMBER create projects.
	'project.create': [F, F, F, F, Y, F],
	'project.addUser': [Y, F, F, F, Y, F],
	'project.invite': [Y, F, F, F, Y, F],
	'project.cancelInvite': [Y, F, F, F, Y, F],
	'project.addTeam': [Y, F, F, F, Y, F],
	'project.setUserRoles': [Y, F, F, F, Y, F],
	'project.setTeamRoles': [Y, F, F, F, Y, F],
	'project.removeUser': [Y, F, F, F, Y, F],
	'project.removeTeam': [Y, F, F, F, Y, F],
	'project.close': [Y, F, F, F, Y, F]
};

function holderOrg(holder: Holder, via: 'individual' | 'team') {
	if (holder === 'org owner') return tableOrg(null, via, 'ORG_OWNER');
	if (holder === 'org read-only') return tableOrg(null, via, 'ORG_READ_ONLY');
	return tableOrg(holder === 'none' ? null : holder, via);
}

const cells = PROJECT_TYPES.flatMap((type) =>
	(['individual', 'team'] as const).flatMap((via) =>
		HOLDERS.filter((h) => via === 'individual' || ProjectRole.options.includes(h as ProjectRole) || h === 'none').map((holder) => ({
			type,
			via,
			holder,
			expected: TABLE[type][HOLDERS.indexOf(holder)]!
		}))
	)
);

describe('project permission table', () => {
	it('covers every project mutation type and every project role', () => {
		expect(sorted(Object.keys(TABLE))).toEqual(sorted(PROJECT_TYPES));
		expect(HOLDERS.filter((h) => (ProjectRole.options as readonly string[]).includes(h))).toEqual(ProjectRole.options);
		for (const row of Object.values(TABLE)) expect(row).toHaveLength(HOLDERS.length);
	});

	it.each(cells)('$type by mia holding $holder ($via) → $expected', ({ type, via, holder, expected }) => {
		const fx = holderOrg(holder, via);
		const verdict = fx.check('mia', INTENT[type]);
		expect(mayAttempt(fx.state, id('mia'), type, 'projectId' in INTENT[type] ? INTENT[type].projectId : undefined)).toBe(expected === 'ok');
		if (expected !== 'ok') {
			expectRefused(verdict, expected);
			if (type !== 'project.create') expect(verdict.ok || verdict.message).toContain('Apollo');
			return;
		}
		expectAccepted(verdict);
		expect(verdict.changes.length).toBeGreaterThan(0);
		expectAccepted(fx.run('mia', INTENT[type]));
		assertInvariants(fx.state);
	});

	it('a team that is in no project grants nothing, even PROJECT_OWNER elsewhere', () => {
		const fx = tableOrg(null, 'team');
		expect(effectiveProjectRoles(fx.state, APOLLO, id('mia'))).toEqual([]);
		expect(canReadProject(fx.state, APOLLO, id('mia'))).toBe(false);
	});
});

// ---------------------------------------------------------------------------------------------
// 2. Effective access: the union of every source, and where each comes from
// ---------------------------------------------------------------------------------------------

describe('effective project roles', () => {
	function access() {
		return orgWith({
			primaryAdmin: 'admin',
			members: membersOf({ admin: 'ORG_OWNER', bob: 'ORG_OWNER', tim: 'ORG_MEMBER', ron: 'ORG_READ_ONLY', nia: 'ORG_MEMBER' }),
			others: ['zed'],
			teams: [
				{ name: 'Dev', members: ['tim', 'bob'] },
				{ name: 'Ops', members: ['tim'] },
				{ name: 'Idle', members: ['tim', 'nia'] }
			],
			projects: [
				{
					name: 'Apollo',
					users: [
						['tim', ['PROJECT_READ_ONLY']],
						['bob', ['PROJECT_READ_ONLY']]
					],
					teams: [
						['Dev', ['PROJECT_CLUSTER_MANAGER']],
						['Ops', ['PROJECT_OWNER', 'PROJECT_READ_ONLY']]
					]
				},
				{ name: 'Gemini', users: [['admin', ['PROJECT_OWNER']]] }
			]
		});
	}

	it('is the union of the individual assignment and every assigned team the user is in', () => {
		const fx = access();
		expect(sorted(effectiveProjectRoles(fx.state, APOLLO, id('tim')))).toEqual(
			sorted(['PROJECT_READ_ONLY', 'PROJECT_CLUSTER_MANAGER', 'PROJECT_OWNER'])
		);
		expect(projectRoleSources(fx.state, APOLLO, id('tim'))).toEqual(
			expect.arrayContaining([
				{ via: 'individual', roles: ['PROJECT_READ_ONLY'] },
				{ via: { teamId: teamId('Dev') }, roles: ['PROJECT_CLUSTER_MANAGER'] },
				{ via: { teamId: teamId('Ops') }, roles: ['PROJECT_OWNER', 'PROJECT_READ_ONLY'] }
			])
		);
		// Idle is not assigned to Apollo: it is no source.
		expect(projectRoleSources(fx.state, APOLLO, id('tim'))).toHaveLength(3);
		expect(canReadProject(fx.state, APOLLO, id('tim'))).toBe(true);
		// The union decides what tim may do: Ops makes it an owner.
		expectAccepted(fx.check('tim', { type: 'project.addUser', projectId: APOLLO, username: 'zed', roles: ['PROJECT_READ_ONLY'] }));
	});

	it('names the organization as the source of an org owner’s implicit ownership', () => {
		const fx = access();
		expect(projectRoleSources(fx.state, APOLLO, id('bob'))).toEqual(
			expect.arrayContaining([
				{ via: 'organization', roles: ['PROJECT_OWNER'] },
				{ via: 'individual', roles: ['PROJECT_READ_ONLY'] },
				{ via: { teamId: teamId('Dev') }, roles: ['PROJECT_CLUSTER_MANAGER'] }
			])
		);
		expect(projectRoleSources(fx.state, APOLLO, id('bob'))).toHaveLength(3);
		expect(sorted(effectiveProjectRoles(fx.state, APOLLO, id('bob')))).toEqual(sorted(ProjectRole.options));
		// Unassigned, an org owner still owns the project through the organization only.
		expect(projectRoleSources(fx.state, projectId('Gemini'), id('bob'))).toEqual([{ via: 'organization', roles: ['PROJECT_OWNER'] }]);
	});

	it('gives ORG_READ_ONLY read access without any project role, and others nothing', () => {
		const fx = access();
		for (const p of [APOLLO, projectId('Gemini')]) {
			expect(projectRoleSources(fx.state, p, id('ron'))).toEqual([]);
			expect(effectiveProjectRoles(fx.state, p, id('ron'))).toEqual([]);
			expect(canReadProject(fx.state, p, id('ron'))).toBe(true);
		}
		// nia is only in Idle, which no project has.
		expect(projectRoleSources(fx.state, APOLLO, id('nia'))).toEqual([]);
		expect(canReadProject(fx.state, APOLLO, id('nia'))).toBe(false);
		// tim has no role in Gemini.
		expect(canReadProject(fx.state, projectId('Gemini'), id('tim'))).toBe(false);
		// A non-member and an unknown project: nothing.
		expect(projectRoleSources(fx.state, APOLLO, id('zed'))).toEqual([]);
		expect(canReadProject(fx.state, APOLLO, id('zed'))).toBe(false);
		expect(projectRoleSources(fx.state, 'p-nope', id('admin'))).toEqual([]);
		expect(canReadProject(fx.state, 'p-nope', id('admin'))).toBe(false);
	});

	it('follows team changes: joining an assigned team adds its roles, leaving takes them away', () => {
		const fx = access();
		expect(canReadProject(fx.state, APOLLO, id('nia'))).toBe(false);
		expectAccepted(fx.run('admin', { type: 'team.addMember', teamId: teamId('Dev'), userId: id('nia') }));
		expect(projectRoleSources(fx.state, APOLLO, id('nia'))).toEqual([
			{ via: { teamId: teamId('Dev') }, roles: ['PROJECT_CLUSTER_MANAGER'] }
		]);
		expect(canReadProject(fx.state, APOLLO, id('nia'))).toBe(true);
		expectAccepted(
			fx.run('admin', { type: 'project.setTeamRoles', projectId: APOLLO, teamId: teamId('Dev'), roles: ['PROJECT_READ_ONLY'] })
		);
		expect(effectiveProjectRoles(fx.state, APOLLO, id('nia'))).toEqual(['PROJECT_READ_ONLY']);
		expectAccepted(fx.run('admin', { type: 'team.removeMember', teamId: teamId('Dev'), userId: id('nia') }));
		expect(effectiveProjectRoles(fx.state, APOLLO, id('nia'))).toEqual([]);
		expect(canReadProject(fx.state, APOLLO, id('nia'))).toBe(false);
		assertInvariants(fx.state);
	});
});

// ---------------------------------------------------------------------------------------------
// 3. Invariants 4 and 5 on every path
// ---------------------------------------------------------------------------------------------

type Assignments = { users?: [string, ProjectRole[]][]; teams?: [string, ProjectRole[]][]; invites?: string[] };

/**
 * admin (primary) and bob: org owners, assigned to nothing (an implicit owner is no project owner).
 * tim, ron, olga, pat: ORG_MEMBERs. Teams: Dev (tim), Ops (olga), Empty (nobody).
 */
function projectOrg(apollo: Assignments, extra: Partial<OrgSpec> = {}) {
	return orgWith({
		primaryAdmin: 'admin',
		members: membersOf({
			admin: 'ORG_OWNER',
			bob: 'ORG_OWNER',
			tim: 'ORG_MEMBER',
			ron: 'ORG_MEMBER',
			olga: 'ORG_MEMBER',
			pat: 'ORG_MEMBER'
		}),
		others: ['zed'],
		teams: [
			{ name: 'Dev', members: ['tim'] },
			{ name: 'Ops', members: ['olga'] },
			{ name: 'Empty', members: [] }
		],
		projects: [{ name: 'Apollo', ...apollo }],
		...extra
	});
}

const O: ProjectRole[] = ['PROJECT_OWNER'];
const RO: ProjectRole[] = ['PROJECT_READ_ONLY'];

interface Breaking {
	name: string;
	apollo: Assignments;
	actor: string;
	intent: Intent;
	code: 'LAST_PROJECT_MEMBER' | 'LAST_PROJECT_OWNER';
}

const BREAKING: Breaking[] = [
	{
		name: 'setUserRoles drops the last owner',
		apollo: {
			users: [
				['tim', O],
				['ron', RO]
			]
		},
		actor: 'admin',
		intent: { type: 'project.setUserRoles', projectId: APOLLO, userId: id('tim'), roles: RO },
		code: 'LAST_PROJECT_OWNER'
	},
	{
		name: 'the last owner drops its own ownership',
		apollo: {
			users: [
				['tim', O],
				['ron', RO]
			]
		},
		actor: 'tim',
		intent: { type: 'project.setUserRoles', projectId: APOLLO, userId: id('tim'), roles: ['PROJECT_CLUSTER_MANAGER'] },
		code: 'LAST_PROJECT_OWNER'
	},
	{
		name: 'removeUser of the last owner',
		apollo: {
			users: [
				['tim', O],
				['ron', RO]
			]
		},
		actor: 'admin',
		intent: { type: 'project.removeUser', projectId: APOLLO, userId: id('tim') },
		code: 'LAST_PROJECT_OWNER'
	},
	{
		name: 'removeUser of the last member',
		apollo: { users: [['tim', O]] },
		actor: 'admin',
		intent: { type: 'project.removeUser', projectId: APOLLO, userId: id('tim') },
		code: 'LAST_PROJECT_MEMBER'
	},
	{
		name: 'the last member removes itself',
		apollo: { users: [['tim', O]] },
		actor: 'tim',
		intent: { type: 'project.removeUser', projectId: APOLLO, userId: id('tim') },
		code: 'LAST_PROJECT_MEMBER'
	},
	{
		name: 'setTeamRoles drops the only owner team',
		apollo: { users: [['ron', RO]], teams: [['Dev', O]] },
		actor: 'admin',
		intent: { type: 'project.setTeamRoles', projectId: APOLLO, teamId: teamId('Dev'), roles: RO },
		code: 'LAST_PROJECT_OWNER'
	},
	{
		name: 'removeTeam of the only owner team',
		apollo: { users: [['ron', RO]], teams: [['Dev', O]] },
		actor: 'admin',
		intent: { type: 'project.removeTeam', projectId: APOLLO, teamId: teamId('Dev') },
		code: 'LAST_PROJECT_OWNER'
	},
	{
		name: 'removeTeam of the only member (a team)',
		apollo: { teams: [['Dev', O]] },
		actor: 'admin',
		intent: { type: 'project.removeTeam', projectId: APOLLO, teamId: teamId('Dev') },
		code: 'LAST_PROJECT_MEMBER'
	},
	{
		name: 'team.removeMember empties the only owner team',
		apollo: { users: [['ron', RO]], teams: [['Dev', O]] },
		actor: 'admin',
		intent: { type: 'team.removeMember', teamId: teamId('Dev'), userId: id('tim') },
		code: 'LAST_PROJECT_OWNER'
	},
	{
		name: 'team.removeMember empties the owner team that is the only member',
		apollo: { teams: [['Dev', O]] },
		actor: 'bob',
		intent: { type: 'team.removeMember', teamId: teamId('Dev'), userId: id('tim') },
		code: 'LAST_PROJECT_OWNER'
	},
	{
		name: 'team.delete of the only owner team',
		apollo: { users: [['ron', RO]], teams: [['Dev', O]] },
		actor: 'admin',
		intent: { type: 'team.delete', teamId: teamId('Dev') },
		code: 'LAST_PROJECT_OWNER'
	},
	{
		name: 'team.delete of the only member (a team)',
		apollo: { teams: [['Dev', O]] },
		actor: 'admin',
		intent: { type: 'team.delete', teamId: teamId('Dev') },
		code: 'LAST_PROJECT_MEMBER'
	},
	{
		name: 'member.remove of the last individual owner',
		apollo: {
			users: [
				['tim', O],
				['ron', RO]
			]
		},
		actor: 'admin',
		intent: { type: 'member.remove', userId: id('tim') },
		code: 'LAST_PROJECT_OWNER'
	},
	{
		name: 'member.remove of the last member',
		apollo: { users: [['tim', O]] },
		actor: 'bob',
		intent: { type: 'member.remove', userId: id('tim') },
		code: 'LAST_PROJECT_MEMBER'
	},
	{
		name: 'member.remove of the only person in the only owner team',
		apollo: { users: [['ron', RO]], teams: [['Dev', O]] },
		actor: 'admin',
		intent: { type: 'member.remove', userId: id('tim') },
		code: 'LAST_PROJECT_OWNER'
	},
	{
		name: 'member.leave of the last owner',
		apollo: {
			users: [
				['tim', O],
				['ron', RO]
			]
		},
		actor: 'tim',
		intent: { type: 'member.leave' },
		code: 'LAST_PROJECT_OWNER'
	},
	{
		name: 'member.leave of the last member',
		apollo: { users: [['tim', O]] },
		actor: 'tim',
		intent: { type: 'member.leave' },
		code: 'LAST_PROJECT_MEMBER'
	},
	{
		name: 'member.leave of the only person in the only owner team',
		apollo: { users: [['ron', RO]], teams: [['Dev', O]] },
		actor: 'tim',
		intent: { type: 'member.leave' },
		code: 'LAST_PROJECT_OWNER'
	}
];

describe('invariants 4 and 5: refused on every path', () => {
	it.each(BREAKING)('$name → $code', ({ apollo, actor, intent, code }) => {
		const fx = projectOrg(apollo);
		assertInvariants(fx.state);
		const verdict = fx.run(actor, intent);
		expectRefused(verdict, code);
		expect(verdict.ok || verdict.message).toContain('Apollo');
		assertInvariants(fx.state);
	});

	it.each(BREAKING)('$name: an empty owner team is no owner → LAST_PROJECT_OWNER', ({ apollo, actor, intent }) => {
		const fx = projectOrg({ ...apollo, teams: [...(apollo.teams ?? []), ['Empty', O]] });
		const verdict = fx.run(actor, intent);
		// With Empty assigned the project keeps a member, but not an owner.
		expectRefused(verdict, 'LAST_PROJECT_OWNER');
		expect(verdict.ok || verdict.message).toContain('Apollo');
	});

	it.each(
		BREAKING.flatMap((b) => [
			{ ...b, other: 'an individual owner', extra: { users: [['pat', O]] } as Assignments },
			{ ...b, other: 'a non-empty owner team', extra: { teams: [['Ops', O]] } as Assignments }
		])
	)('$name is accepted when $other remains', ({ apollo, actor, intent, extra }) => {
		const fx = projectOrg({
			users: [...(apollo.users ?? []), ...(extra.users ?? [])],
			teams: [...(apollo.teams ?? []), ...(extra.teams ?? [])]
		});
		expectAccepted(fx.run(actor, intent));
		assertInvariants(fx.state);
	});

	it('names the project that would break, among several the change touches', () => {
		const fx = projectOrg(
			{
				users: [
					['tim', O],
					['pat', O]
				]
			},
			{
				projects: [
					{
						name: 'Apollo',
						users: [
							['tim', O],
							['pat', O]
						]
					},
					{
						name: 'Gemini',
						users: [
							['tim', O],
							['ron', RO]
						]
					}
				]
			}
		);
		const verdict = fx.check('admin', { type: 'member.remove', userId: id('tim') });
		expectRefused(verdict, 'LAST_PROJECT_OWNER');
		expect(verdict.ok || verdict.message).toContain('Gemini');
		expect(verdict.ok || verdict.message).not.toContain('Apollo');
	});

	it('a team that still has someone after the removal keeps owning', () => {
		const fx = projectOrg({ users: [['ron', RO]], teams: [['Dev', O]] });
		expectAccepted(fx.run('admin', { type: 'team.addMember', teamId: teamId('Dev'), userId: id('pat') }));
		expectAccepted(fx.run('admin', { type: 'team.removeMember', teamId: teamId('Dev'), userId: id('tim') }));
		expectAccepted(fx.run('admin', { type: 'member.remove', userId: id('tim') }));
		expectRefused(fx.check('admin', { type: 'team.removeMember', teamId: teamId('Dev'), userId: id('pat') }), 'LAST_PROJECT_OWNER');
		expectRefused(fx.check('pat', { type: 'member.leave' }), 'LAST_PROJECT_OWNER');
		assertInvariants(fx.state);
	});

	it('an owner team that gets a member counts again', () => {
		const fx = projectOrg({ users: [['tim', O]], teams: [['Empty', O]] });
		expectRefused(fx.check('admin', { type: 'project.removeUser', projectId: APOLLO, userId: id('tim') }), 'LAST_PROJECT_OWNER');
		expectAccepted(fx.run('admin', { type: 'team.addMember', teamId: teamId('Empty'), userId: id('pat') }));
		expectAccepted(fx.run('admin', { type: 'project.removeUser', projectId: APOLLO, userId: id('tim') }));
		assertInvariants(fx.state);
	});

	it('pending changes in a client overlay count: the second of two owner removals is refused', () => {
		const fx = projectOrg({
			users: [
				['tim', O],
				['pat', O],
				['ron', RO]
			]
		});
		const overlay = new OverlayState(fx.state);
		const first = fx.check('admin', { type: 'project.removeUser', projectId: APOLLO, userId: id('tim') }, overlay);
		expectAccepted(first);
		overlay.apply(first.changes);
		expectRefused(fx.check('bob', { type: 'project.removeUser', projectId: APOLLO, userId: id('pat') }, overlay), 'LAST_PROJECT_OWNER');
		expectRefused(fx.check('bob', { type: 'member.remove', userId: id('pat') }, overlay), 'LAST_PROJECT_OWNER');
	});

	it('a closed project no longer holds removals back', () => {
		for (const intent of [
			{ type: 'team.delete', teamId: teamId('Dev') },
			{ type: 'team.removeMember', teamId: teamId('Dev'), userId: id('tim') },
			{ type: 'member.remove', userId: id('tim') }
		] satisfies Intent[]) {
			const fx = projectOrg({ teams: [['Dev', O]] });
			expectAccepted(fx.run('admin', { type: 'project.close', projectId: APOLLO }));
			expectAccepted(fx.run('admin', intent));
			assertInvariants(fx.state);
		}
	});
});

// ---------------------------------------------------------------------------------------------
// 4. Invariant 6: teams grant only their own access
// ---------------------------------------------------------------------------------------------

describe('invariant 6', () => {
	it('removing a user from a team removes only the team’s access; its individual assignment stays', () => {
		const fx = projectOrg({
			users: [
				['tim', RO],
				['pat', O]
			],
			teams: [['Dev', ['PROJECT_CLUSTER_MANAGER']]]
		});
		expect(sorted(effectiveProjectRoles(fx.state, APOLLO, id('tim')))).toEqual(sorted(['PROJECT_READ_ONLY', 'PROJECT_CLUSTER_MANAGER']));
		expectAccepted(fx.run('admin', { type: 'team.removeMember', teamId: teamId('Dev'), userId: id('tim') }));
		expect(fx.state.project(APOLLO)!.userRoles(id('tim'))).toEqual(RO);
		expect(projectRoleSources(fx.state, APOLLO, id('tim'))).toEqual([{ via: 'individual', roles: RO }]);
		expect(effectiveProjectRoles(fx.state, APOLLO, id('tim'))).toEqual(RO);
		// The team stays assigned (empty, it grants nothing until someone joins).
		expect(fx.state.project(APOLLO)!.teamRoles(teamId('Dev'))).toEqual(['PROJECT_CLUSTER_MANAGER']);
		expect(fx.state.projectsOfUser(id('tim'))).toEqual([APOLLO]);
		assertInvariants(fx.state);
	});

	it('an owner who is in an owner team too may leave the team: its own ownership stays', () => {
		const fx = projectOrg({ users: [['tim', O]], teams: [['Dev', O]] });
		expectAccepted(fx.run('admin', { type: 'team.removeMember', teamId: teamId('Dev'), userId: id('tim') }));
		expect(effectiveProjectRoles(fx.state, APOLLO, id('tim'))).toEqual(O);
		assertInvariants(fx.state);
		expectRefused(fx.check('admin', { type: 'project.removeUser', projectId: APOLLO, userId: id('tim') }), 'LAST_PROJECT_OWNER');
	});

	it('deleting a team removes its project assignments, in every project, and nothing else', () => {
		const fx = projectOrg(
			{},
			{
				projects: [
					{
						name: 'Apollo',
						users: [
							['tim', RO],
							['pat', O]
						],
						teams: [['Dev', ['PROJECT_CLUSTER_MANAGER']]]
					},
					{
						name: 'Gemini',
						users: [['ron', O]],
						teams: [
							['Dev', O],
							['Ops', RO]
						]
					}
				]
			}
		);
		expect(sorted(fx.state.projectsOfTeam(teamId('Dev')))).toEqual(sorted([APOLLO, projectId('Gemini')]));
		const verdict = fx.run('admin', { type: 'team.delete', teamId: teamId('Dev') });
		expectAccepted(verdict);
		expect(fx.state.team(teamId('Dev'))).toBeUndefined();
		expect(fx.state.projectsOfTeam(teamId('Dev'))).toEqual([]);
		expect(fx.state.teamsOf(id('tim'))).toEqual([]);
		for (const p of [APOLLO, projectId('Gemini')]) expect(fx.state.project(p)!.teamRoles(teamId('Dev'))).toBeUndefined();
		expect(fx.state.project(APOLLO)!.userRoles(id('tim'))).toEqual(RO);
		expect(effectiveProjectRoles(fx.state, APOLLO, id('tim'))).toEqual(RO);
		expect(fx.state.project(projectId('Gemini'))!.teamRoles(teamId('Ops'))).toEqual(RO);
		assertInvariants(fx.state);
	});
});

// ---------------------------------------------------------------------------------------------
// 5. Invariant 3, closed and unknown projects
// ---------------------------------------------------------------------------------------------

describe('invariant 3 and project status', () => {
	function spread() {
		return projectOrg(
			{},
			{
				projects: [
					{
						name: 'Apollo',
						users: [
							['tim', RO],
							['pat', O]
						],
						teams: [['Dev', O]]
					},
					{
						name: 'Gemini',
						users: [
							['tim', ['PROJECT_CLUSTER_MANAGER']],
							['ron', O]
						]
					},
					{
						name: 'Hermes',
						users: [
							['tim', O],
							['ron', O]
						]
					}
				]
			}
		);
	}

	it.each<{ name: string; actor: string; intent: Intent }>([
		{ name: 'removed by an owner', actor: 'admin', intent: { type: 'member.remove', userId: id('tim') } },
		{ name: 'leaving', actor: 'tim', intent: { type: 'member.leave' } }
	])('a user $name leaves every team and project assignment, closed projects included', ({ actor, intent }) => {
		const fx = spread();
		expectAccepted(fx.run('admin', { type: 'project.close', projectId: projectId('Hermes') }));
		expect(sorted(fx.state.projectsOfUser(id('tim')))).toEqual(sorted([APOLLO, projectId('Gemini'), projectId('Hermes')]));
		expectAccepted(fx.run(actor, intent));
		expect(fx.state.member(id('tim'))).toBeUndefined();
		expect(fx.state.projectsOfUser(id('tim'))).toEqual([]);
		expect(fx.state.teamsOf(id('tim'))).toEqual([]);
		expect(fx.state.teamMemberIds(teamId('Dev'))).toEqual([]);
		for (const p of ['Apollo', 'Gemini', 'Hermes']) expect(fx.state.project(projectId(p))!.userRoles(id('tim'))).toBeUndefined();
		// The team's own assignment stays (empty now); others' assignments stay.
		expect(fx.state.project(APOLLO)!.teamRoles(teamId('Dev'))).toEqual(O);
		expect(fx.state.project(APOLLO)!.userRoles(id('pat'))).toEqual(O);
		expect(projectRoleSources(fx.state, APOLLO, id('tim'))).toEqual([]);
		assertInvariants(fx.state);
	});

	it('project.addUser brings a non-member in as ORG_MEMBER with the roles given', () => {
		for (const actor of ['admin', 'pat']) {
			const fx = projectOrg({ users: [['pat', O]] });
			expect(fx.state.member(id('zed'))).toBeUndefined();
			const verdict = fx.run(actor, {
				type: 'project.addUser',
				projectId: APOLLO,
				username: 'ZED',
				roles: ['PROJECT_READ_ONLY', 'PROJECT_CLUSTER_MANAGER']
			});
			expectAccepted(verdict);
			expect(fx.state.member(id('zed'))).toMatchObject({ userId: id('zed'), username: 'zed', role: 'ORG_MEMBER', joinedAt: NOW });
			expect(sorted(fx.state.project(APOLLO)!.userRoles(id('zed'))!)).toEqual(['PROJECT_CLUSTER_MANAGER', 'PROJECT_READ_ONLY']);
			expect(fx.state.projectsOfUser(id('zed'))).toEqual([APOLLO]);
			expect(canReadProject(fx.state, APOLLO, id('zed'))).toBe(true);
			assertInvariants(fx.state);
		}
	});

	it('project.addUser keeps an existing member’s org role, and refuses twice or an unknown user', () => {
		const fx = projectOrg({ users: [['pat', O]] }, {});
		expectAccepted(fx.run('admin', { type: 'member.setRole', userId: id('ron'), role: 'ORG_READ_ONLY' }));
		const verdict = fx.run('pat', { type: 'project.addUser', projectId: APOLLO, username: 'ron', roles: O });
		expectAccepted(verdict);
		expect(verdict.changes.map((c) => c.kind)).toEqual(['projectUser.put']);
		expect(fx.state.member(id('ron'))!.role).toBe('ORG_READ_ONLY');
		expectRefused(fx.check('pat', { type: 'project.addUser', projectId: APOLLO, username: 'ron', roles: RO }), 'ALREADY_ASSIGNED');
		expectRefused(fx.check('pat', { type: 'project.addUser', projectId: APOLLO, username: 'nobody', roles: RO }), 'USER_NOT_FOUND');
		expect(fx.state.member(id('nobody'))).toBeUndefined();
		assertInvariants(fx.state);
	});

	const TARGETED: Record<Exclude<ProjectMutationType, 'project.create'>, (p: string) => Intent> = {
		'project.addUser': (p) => ({ type: 'project.addUser', projectId: p, username: 'zed', roles: RO }),
		'project.invite': (p) => ({ type: 'project.invite', projectId: p, inviteId: 'i-new', email: 'new@example.org', roles: RO }),
		'project.cancelInvite': (p) => ({ type: 'project.cancelInvite', projectId: p, inviteId: inviteId('pending@example.org') }),
		'project.addTeam': (p) => ({ type: 'project.addTeam', projectId: p, teamId: teamId('Ops'), roles: RO }),
		'project.setUserRoles': (p) => ({
			type: 'project.setUserRoles',
			projectId: p,
			userId: id('pat'),
			roles: ['PROJECT_OWNER', 'PROJECT_READ_ONLY']
		}),
		'project.setTeamRoles': (p) => ({
			type: 'project.setTeamRoles',
			projectId: p,
			teamId: teamId('Dev'),
			roles: ['PROJECT_OWNER', 'PROJECT_READ_ONLY']
		}),
		'project.removeUser': (p) => ({ type: 'project.removeUser', projectId: p, userId: id('ron') }),
		'project.removeTeam': (p) => ({ type: 'project.removeTeam', projectId: p, teamId: teamId('Dev') }),
		'project.close': (p) => ({ type: 'project.close', projectId: p })
	};

	it('covers every project mutation addressed to a project', () => {
		expect(sorted(Object.keys(TARGETED))).toEqual(sorted(ADDRESSED_TYPES));
	});

	it.each(ADDRESSED_TYPES.flatMap((type) => ['admin', 'pat'].map((actor) => ({ type, actor }))))(
		'a closed project refuses $type by $actor with PROJECT_CLOSED',
		({ type, actor }) => {
			const fx = projectOrg({
				users: [
					['pat', O],
					['ron', RO]
				],
				teams: [['Dev', O]],
				invites: ['pending@example.org']
			});
			// Accepted while active (the same intent)…
			expectAccepted(fx.check(actor, TARGETED[type](APOLLO)));
			expectAccepted(fx.run('admin', { type: 'project.close', projectId: APOLLO }));
			expect(fx.state.project(APOLLO)!.project()!.status).toBe('closed');
			// …and refused once closed, whoever asks.
			const verdict = fx.run(actor, TARGETED[type](APOLLO));
			expectRefused(verdict, 'PROJECT_CLOSED');
			expect(verdict.ok || verdict.message).toContain('Apollo');
			expect(mayAttempt(fx.state, id(actor), type, APOLLO)).toBe(false);
			assertInvariants(fx.state);
		}
	);

	it.each(ADDRESSED_TYPES.flatMap((type) => ['admin', 'pat', 'ron'].map((actor) => ({ type, actor }))))(
		'an unknown project refuses $type by $actor with PROJECT_NOT_FOUND',
		({ type, actor }) => {
			const fx = projectOrg({
				users: [
					['pat', O],
					['ron', RO]
				],
				teams: [['Dev', O]]
			});
			expectRefused(fx.check(actor, TARGETED[type]('p-nope')), 'PROJECT_NOT_FOUND');
			expect(fx.state.project('p-nope')).toBeUndefined();
		}
	);

	it('project.create makes the creator its owner, and refuses an id in use', () => {
		const fx = projectOrg({ users: [['pat', O]] });
		expectAccepted(fx.run('bob', { type: 'project.create', projectId: 'p-new', name: 'New' }));
		expect(fx.state.project('p-new')!.userRoles(id('bob'))).toEqual(O);
		expect(projectRoleSources(fx.state, 'p-new', id('bob'))).toEqual(
			expect.arrayContaining([
				{ via: 'organization', roles: O },
				{ via: 'individual', roles: O }
			])
		);
		expectRefused(fx.check('admin', { type: 'project.create', projectId: 'p-new', name: 'Again' }), 'PROJECT_EXISTS');
		assertInvariants(fx.state);
	});
});
