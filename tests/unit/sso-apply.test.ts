import { describe, expect, it } from 'vitest';
import { applyChanges, type OrgSso } from '../../src/lib/domain/index.ts';
import { assertInvariants, expectAccepted, expectRefused, id, orgWith, projectId, teamId, type OrgSpec } from './factories.ts';

/**
 * rules §2 single sign-on: the mapping applied at sign-in goes through the same invariants as a change by hand.
 * sso.apply is unscoped (no member authorizes it), and it once skipped the project guard when the groups took
 * someone out of the organization: the sole owner of a project could be signed out of it, leaving it ownerless.
 */
const SSO: OrgSso = {
	providerId: 'corp',
	required: false,
	defaultRole: null,
	grants: [{ group: 'eng', role: 'ORG_MEMBER', teams: ['t-ops'], projects: [] }]
};

function linked(spec: Omit<OrgSpec, 'primaryAdmin'>) {
	const fx = orgWith({ primaryAdmin: 'ann', ...spec });
	applyChanges(fx.state, [{ kind: 'org.put', org: { ...fx.state.org()!, sso: SSO } }], 'test');
	return fx;
}

const members = [
	{ username: 'ann', role: 'ORG_OWNER' as const },
	{ username: 'bob', role: 'ORG_MEMBER' as const }
];

describe('sso.apply keeps the invariants', () => {
	it('refuses to take the only owner of an active project out of the organization', () => {
		const fx = linked({
			members,
			projects: [
				{
					name: 'Apollo',
					users: [
						['ann', ['PROJECT_READ_ONLY']],
						['bob', ['PROJECT_OWNER']]
					]
				}
			]
		});
		expectRefused(fx.run('bob', { type: 'sso.apply', userId: id('bob'), groups: [] }), 'LAST_PROJECT_OWNER');
		expect(fx.state.member(id('bob'))).toBeDefined();
		expect(fx.state.project(projectId('Apollo'))!.userRoles(id('bob'))).toEqual(['PROJECT_OWNER']);
	});

	it('refuses to empty the team that is a project’s only owner when a group is lost', () => {
		const fx = linked({
			members,
			teams: [{ name: 'Ops', members: ['bob'] }],
			projects: [{ name: 'Apollo', users: [['ann', ['PROJECT_READ_ONLY']]], teams: [['Ops', ['PROJECT_OWNER']]] }]
		});
		// Still a member by the default role, but no longer in Ops, the team the mapping speaks for.
		applyChanges(fx.state, [{ kind: 'org.put', org: { ...fx.state.org()!, sso: { ...SSO, defaultRole: 'ORG_READ_ONLY' } } }], 'test');
		expectRefused(fx.run('bob', { type: 'sso.apply', userId: id('bob'), groups: [] }), 'LAST_PROJECT_OWNER');
		expect(fx.state.isTeamMember(teamId('Ops'), id('bob'))).toBe(true);
	});

	it('refuses to leave an active project with no member', () => {
		const fx = linked({ members, projects: [{ name: 'Apollo', users: [['bob', ['PROJECT_OWNER']]] }] });
		expectRefused(fx.run('bob', { type: 'sso.apply', userId: id('bob'), groups: [] }), 'LAST_PROJECT_MEMBER');
		expect(fx.state.member(id('bob'))).toBeDefined();
	});

	it('keeps the primary admin, whatever the groups', () => {
		const fx = linked({ members, projects: [{ name: 'Apollo', users: [['bob', ['PROJECT_OWNER']]] }] });
		expectRefused(fx.run('ann', { type: 'sso.apply', userId: id('ann'), groups: [] }), 'PRIMARY_ADMIN_REMOVAL');
		expect(fx.state.member(id('ann'))?.role).toBe('ORG_OWNER');
	});

	it('still takes out someone whose projects keep an owner', () => {
		const fx = linked({
			members,
			projects: [
				{
					name: 'Apollo',
					users: [
						['ann', ['PROJECT_OWNER']],
						['bob', ['PROJECT_OWNER']]
					]
				}
			]
		});
		expectAccepted(fx.run('bob', { type: 'sso.apply', userId: id('bob'), groups: [] }));
		expect(fx.state.member(id('bob'))).toBeUndefined();
		assertInvariants(fx.state);
	});
});
