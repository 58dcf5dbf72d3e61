import { describe, expect, it } from 'vitest';
import { expiryHolder, expiryTargets, type ExpiryInput, type ExpiryTarget } from '../../src/lib/domain/index.ts';
import { NOW, assertInvariants, expectAccepted, expectRefused, id, membersOf, orgWith, projectId, teamId } from './factories.ts';

const DAY = 86_400_000;
const LATER = NOW + 30 * DAY;

/** ann is primary admin; bob a second owner; carol a member, dan a project creator. Apollo is owned by carol alone; Ops holds carol and dan. */
function org() {
	return orgWith({
		primaryAdmin: 'ann',
		members: membersOf({ ann: 'ORG_OWNER', bob: 'ORG_OWNER', carol: 'ORG_MEMBER', dan: 'ORG_PROJECT_CREATOR', robot: 'ORG_MEMBER' }),
		service: ['robot'],
		teams: [{ name: 'Ops', members: ['carol', 'dan'] }],
		projects: [
			{
				name: 'Apollo',
				users: [
					['carol', ['PROJECT_OWNER']],
					['dan', ['PROJECT_OWNER', 'PROJECT_CLUSTER_MANAGER']]
				]
			},
			{ name: 'Gemini', users: [['carol', ['PROJECT_OWNER']]] }
		]
	});
}

const member = (u: string): ExpiryTarget => ({ kind: 'member', userId: id(u) });
const inTeam = (u: string): ExpiryTarget => ({ kind: 'team', teamId: teamId('Ops'), userId: id(u) });
const inProject = (u: string, p = 'Apollo'): ExpiryTarget => ({ kind: 'project', projectId: projectId(p), userId: id(u) });
const set = (target: ExpiryTarget, at: number, then?: ExpiryInput['then']) =>
	({ type: 'access.setExpiry', target, expiry: { at, ...(then !== undefined && { then }) } }) as const;

describe('setting an expiry (rules §6)', () => {
	it('is kept on the row, found by the index, and cleared', () => {
		const fx = org();
		expectAccepted(fx.run('ann', set(member('dan'), LATER, 'ORG_MEMBER')));
		expectAccepted(fx.run('ann', set(inTeam('dan'), LATER)));
		expectAccepted(fx.run('ann', set(inProject('dan'), LATER, ['PROJECT_READ_ONLY'])));
		expect(fx.state.member(id('dan'))!.expiry).toEqual({ at: LATER, then: 'ORG_MEMBER' });
		expect(expiryTargets(fx.state)).toHaveLength(3);
		expectAccepted(fx.run('ann', { type: 'access.setExpiry', target: inTeam('dan'), expiry: null }));
		expect(expiryHolder(fx.state, inTeam('dan'))!.expiry).toBeUndefined();
		expect(expiryTargets(fx.state)).toHaveLength(2);
		assertInvariants(fx.state);
	});

	it('needs the access of the change it stands for', () => {
		const fx = org();
		expectRefused(fx.check('carol', set(member('dan'), LATER)), 'FORBIDDEN');
		expectRefused(fx.check('carol', set(inTeam('dan'), LATER)), 'FORBIDDEN');
		// carol owns Apollo: she may make dan's roles there end.
		expectAccepted(fx.check('carol', set(inProject('dan'), LATER)));
	});

	it('is refused in the past, with a greater or mismatched fall-back, and for what is not there', () => {
		const fx = org();
		expectRefused(fx.check('ann', set(member('dan'), NOW)), 'EXPIRY_NOT_FUTURE');
		expectRefused(fx.check('ann', set(member('dan'), LATER, 'ORG_OWNER')), 'EXPIRY_NOT_LESSER');
		expectRefused(fx.check('ann', set(member('dan'), LATER, 'ORG_READ_ONLY')), 'EXPIRY_NOT_LESSER');
		expectRefused(fx.check('ann', set(inProject('dan'), LATER, ['PROJECT_OWNER'])), 'EXPIRY_NOT_LESSER');
		expectRefused(fx.check('ann', set(inProject('dan'), LATER, 'ORG_MEMBER')), 'INVALID_MUTATION');
		expectRefused(fx.check('ann', set(inTeam('dan'), LATER, 'ORG_MEMBER')), 'INVALID_MUTATION');
		expectRefused(fx.check('ann', set(inTeam('ann'), LATER)), 'NOT_TEAM_MEMBER');
	});

	it('is refused when it would break an invariant if it came due now', () => {
		const fx = org();
		// carol is Gemini's only owner, and ann the primary admin; bob may fall back only while another owner stays.
		expectRefused(fx.check('ann', set(inProject('carol', 'Gemini'), LATER)), 'LAST_PROJECT_MEMBER');
		expectRefused(fx.check('ann', set(inProject('carol', 'Gemini'), LATER, ['PROJECT_READ_ONLY'])), 'LAST_PROJECT_OWNER');
		expectRefused(fx.check('ann', set(member('carol'), LATER)), 'LAST_PROJECT_MEMBER');
		expectRefused(fx.check('bob', set(member('ann'), LATER, 'ORG_MEMBER')), 'PRIMARY_ADMIN_ROLE');
		expectRefused(fx.check('ann', set(member('robot'), LATER)), 'SERVICE_ACCOUNT_REMOVAL');
		expectAccepted(fx.check('ann', set(member('bob'), LATER, 'ORG_MEMBER')));
		const refused = fx.check('ann', set(inProject('carol', 'Gemini'), LATER));
		expect(!refused.ok && refused.message).toMatch(/^When it expires: /);
	});

	it('goes when the role or roles are replaced by hand, and stays through other changes', () => {
		const fx = org();
		expectAccepted(fx.run('ann', set(member('dan'), LATER)));
		expectAccepted(fx.run('ann', set(inProject('dan'), LATER)));
		expectAccepted(fx.run('ann', { type: 'team.create', teamId: 't-x', name: 'X' }));
		expect(fx.state.member(id('dan'))!.expiry).toBeDefined();
		expectAccepted(fx.run('ann', { type: 'member.setRole', userId: id('dan'), role: 'ORG_BILLING_VIEWER' }));
		expectAccepted(
			fx.run('ann', { type: 'project.setUserRoles', projectId: projectId('Apollo'), userId: id('dan'), roles: ['PROJECT_OWNER'] })
		);
		expect(fx.state.member(id('dan'))!.expiry).toBeUndefined();
		expect(expiryTargets(fx.state)).toEqual([]);
	});
});

describe('the server applying an expiry (rules §6)', () => {
	const expire = (target: ExpiryTarget, at: number) => ({ type: 'access.expire', target, at }) as const;

	it('applies the fall-back or the removal once, and refuses a stale or early one', () => {
		const fx = org();
		expectAccepted(fx.run('ann', set(member('dan'), LATER, 'ORG_MEMBER')));
		expectAccepted(fx.run('ann', set(inTeam('carol'), LATER)));
		expectRefused(fx.check('dan', expire(member('dan'), LATER)), 'EXPIRY_NOT_DUE');
		expectRefused(fx.check('dan', expire(member('dan'), LATER - 1), undefined, LATER), 'EXPIRY_CHANGED');
		expectAccepted(fx.run('dan', expire(member('dan'), LATER), LATER));
		expect(fx.state.member(id('dan'))).toMatchObject({ role: 'ORG_MEMBER' });
		expect(fx.state.member(id('dan'))!.expiry).toBeUndefined();
		expectRefused(fx.check('dan', expire(member('dan'), LATER), undefined, LATER), 'EXPIRY_CHANGED');
		expectAccepted(fx.run('carol', expire(inTeam('carol'), LATER), LATER + 1));
		expect(fx.state.isTeamMember(teamId('Ops'), id('carol'))).toBe(false);
		assertInvariants(fx.state);
	});

	it('is blocked, not applied, when it would break an invariant by then', () => {
		const fx = org();
		expectAccepted(fx.run('ann', set(inProject('dan'), LATER)));
		// carol leaves Apollo meanwhile: dan is its last owner when his roles expire.
		expectAccepted(fx.run('ann', { type: 'project.removeUser', projectId: projectId('Apollo'), userId: id('carol') }));
		const verdict = fx.run('dan', expire(inProject('dan'), LATER), LATER);
		expectAccepted(verdict);
		const row = expiryHolder(fx.state, inProject('dan'));
		expect(row).toMatchObject({ roles: ['PROJECT_OWNER', 'PROJECT_CLUSTER_MANAGER'] });
		expect(row!.expiry!.blocked).toMatchObject({ code: 'LAST_PROJECT_MEMBER', at: LATER });
		// Blocked stays blocked: the server does not try again; an owner clears it or sets another date.
		expectRefused(fx.check('dan', expire(inProject('dan'), LATER), undefined, LATER + DAY), 'EXPIRY_CHANGED');
		expectAccepted(fx.run('ann', { type: 'access.setExpiry', target: inProject('dan'), expiry: null }));
		assertInvariants(fx.state);
	});

	it('is blocked on a project closed meanwhile', () => {
		const fx = org();
		expectAccepted(fx.run('ann', set(inProject('dan'), LATER)));
		expectAccepted(
			fx.run('ann', { type: 'deployment.create', projectId: projectId('Apollo'), deploymentId: 'd-x', name: 'x', plan: 'free' })
		);
		expectAccepted(fx.run('ann', { type: 'deployment.delete', projectId: projectId('Apollo'), deploymentId: 'd-x' }));
		expectAccepted(fx.run('ann', { type: 'project.close', projectId: projectId('Apollo') }));
		expectAccepted(fx.run('dan', expire(inProject('dan'), LATER), LATER));
		expect(expiryHolder(fx.state, inProject('dan'))!.expiry!.blocked).toMatchObject({ code: 'PROJECT_CLOSED' });
	});

	it('records the reminder once', () => {
		const fx = org();
		expectAccepted(fx.run('ann', set(inTeam('dan'), LATER)));
		const remind = { type: 'access.remindExpiry', target: inTeam('dan'), at: LATER } as const;
		expectAccepted(fx.run('dan', remind, LATER - 7 * DAY));
		expect(expiryHolder(fx.state, inTeam('dan'))!.expiry!.remindedAt).toBe(LATER - 7 * DAY);
		expectRefused(fx.check('dan', remind), 'EXPIRY_CHANGED');
		// Set again for the same day (another fall-back), the reminder stays sent; for another day, it is due again.
		expectAccepted(fx.run('ann', set(inProject('dan'), LATER)));
		expectAccepted(fx.run('dan', { ...remind, target: inProject('dan') }, LATER - 7 * DAY));
		expectAccepted(fx.run('ann', set(inProject('dan'), LATER, ['PROJECT_READ_ONLY'])));
		expect(expiryHolder(fx.state, inProject('dan'))!.expiry!.remindedAt).toBe(LATER - 7 * DAY);
		expectAccepted(fx.run('ann', set(inProject('dan'), LATER + DAY)));
		expect(expiryHolder(fx.state, inProject('dan'))!.expiry!.remindedAt).toBeUndefined();
	});
});

describe("a team's roles in a project expiring (rules §6)", () => {
	/** Ops (carol, dan) owns Apollo beside carol, and Gemini alone; eve is in no project. */
	function teamOrg() {
		return orgWith({
			primaryAdmin: 'ann',
			members: membersOf({ ann: 'ORG_OWNER', carol: 'ORG_MEMBER', dan: 'ORG_MEMBER', eve: 'ORG_MEMBER' }),
			teams: [
				{ name: 'Ops', members: ['carol', 'dan'] },
				{ name: 'Dev', members: ['eve'] }
			],
			projects: [
				{ name: 'Apollo', users: [['carol', ['PROJECT_OWNER']]], teams: [['Ops', ['PROJECT_OWNER', 'PROJECT_CLUSTER_MANAGER']]] },
				{ name: 'Gemini', users: [], teams: [['Ops', ['PROJECT_OWNER']]] }
			]
		});
	}
	const ops = (p = 'Apollo', team = 'Ops'): ExpiryTarget => ({ kind: 'projectTeam', projectId: projectId(p), teamId: teamId(team) });
	const roles = (fx: ReturnType<typeof teamOrg>, p = 'Apollo') => fx.state.project(projectId(p))!.teamRoles(teamId('Ops'));

	it('is kept on the row, found by the index, and its fall-back must be lesser project roles', () => {
		const fx = teamOrg();
		expectRefused(fx.check('ann', set(ops(), LATER, ['PROJECT_OWNER'])), 'EXPIRY_NOT_LESSER');
		expectRefused(fx.check('ann', set(ops(), LATER, 'ORG_MEMBER')), 'INVALID_MUTATION');
		expectRefused(fx.check('ann', set(ops(), NOW)), 'EXPIRY_NOT_FUTURE');
		expectRefused(fx.check('ann', set(ops('Apollo', 'Dev'), LATER)), 'NOT_ASSIGNED');
		expectAccepted(fx.run('ann', set(ops(), LATER, ['PROJECT_READ_ONLY'])));
		expect(expiryHolder(fx.state, ops())).toMatchObject({ kind: 'projectTeam', expiry: { at: LATER, then: ['PROJECT_READ_ONLY'] } });
		expect(expiryTargets(fx.state)).toEqual([ops()]);
		assertInvariants(fx.state);
	});

	it("is set by whoever may change the team's roles there", () => {
		const fx = teamOrg();
		// carol owns Apollo (as ann, an organization owner, may); eve, a member in no project, may not.
		expectAccepted(fx.check('carol', set(ops(), LATER, ['PROJECT_READ_ONLY'])));
		expectRefused(fx.check('eve', set(ops(), LATER, ['PROJECT_READ_ONLY'])), 'FORBIDDEN');
		expectRefused(
			fx.check('eve', {
				type: 'project.setTeamRoles',
				projectId: projectId('Apollo'),
				teamId: teamId('Ops'),
				roles: ['PROJECT_READ_ONLY']
			}),
			'FORBIDDEN'
		);
	});

	it("is refused when set if the team is the project's only owner or member", () => {
		const fx = teamOrg();
		expectRefused(fx.check('ann', set(ops('Gemini'), LATER, ['PROJECT_READ_ONLY'])), 'LAST_PROJECT_OWNER');
		expectRefused(fx.check('ann', set(ops('Gemini'), LATER)), 'LAST_PROJECT_MEMBER');
		const refused = fx.check('ann', set(ops('Gemini'), LATER, ['PROJECT_READ_ONLY']));
		expect(!refused.ok && refused.message).toMatch(/^When it expires: /);
	});

	it('is applied by the server as the primary admin: the fall-back, or the team leaves the project', () => {
		const fx = teamOrg();
		expectAccepted(fx.run('ann', set(ops(), LATER, ['PROJECT_READ_ONLY'])));
		const expire = { type: 'access.expire', target: ops(), at: LATER } as const;
		expectRefused(fx.check('ann', expire), 'EXPIRY_NOT_DUE');
		expectAccepted(fx.run('ann', expire, LATER));
		expect(roles(fx)).toEqual(['PROJECT_READ_ONLY']);
		expect(expiryHolder(fx.state, ops())!.expiry).toBeUndefined();
		expectRefused(fx.check('ann', expire, undefined, LATER), 'EXPIRY_CHANGED');
		expectAccepted(fx.run('ann', set(ops(), LATER + DAY)));
		expectAccepted(fx.run('ann', { ...expire, at: LATER + DAY }, LATER + DAY));
		expect(roles(fx)).toBeUndefined();
		assertInvariants(fx.state);
	});

	it('is blocked when by then the team would leave the project without an owner', () => {
		const fx = teamOrg();
		expectAccepted(fx.run('ann', set(ops(), LATER, ['PROJECT_READ_ONLY'])));
		expectAccepted(fx.run('ann', { type: 'project.removeUser', projectId: projectId('Apollo'), userId: id('carol') }));
		expectAccepted(fx.run('ann', { type: 'access.expire', target: ops(), at: LATER }, LATER));
		expect(roles(fx)).toEqual(['PROJECT_OWNER', 'PROJECT_CLUSTER_MANAGER']);
		expect(expiryHolder(fx.state, ops())!.expiry!.blocked).toMatchObject({ code: 'LAST_PROJECT_OWNER' });
		assertInvariants(fx.state);
	});

	it("goes when the team's roles are set by hand", () => {
		const fx = teamOrg();
		expectAccepted(fx.run('ann', set(ops(), LATER)));
		expectAccepted(fx.run('ann', { type: 'team.rename', teamId: teamId('Ops'), name: 'Ops2' }));
		expect(expiryHolder(fx.state, ops())!.expiry).toBeDefined();
		expectAccepted(
			fx.run('ann', { type: 'project.setTeamRoles', projectId: projectId('Apollo'), teamId: teamId('Ops'), roles: ['PROJECT_OWNER'] })
		);
		expect(expiryHolder(fx.state, ops())!.expiry).toBeUndefined();
		expect(expiryTargets(fx.state)).toEqual([]);
	});
});
