import { describe, expect, it } from 'vitest';
import { planBulk, type BulkPlan } from '../../src/lib/domain/bulk-csv-plan.ts';
import { parseBulkCsv, type BulkMode } from '../../src/lib/domain/bulk-csv.ts';
import { expectAccepted, id, inviteId, membersOf, NOW, ORG_ID, orgWith, projectId, teamId, type Fixture } from './factories.ts';

/** ann: primary admin; bob: member in Ops and Read only in Apollo, which dan and eve own; vic: verified non-member; old@example.org invited. */
function org(): Fixture {
	return orgWith({
		primaryAdmin: 'ann',
		members: membersOf({ ann: 'ORG_OWNER', bob: 'ORG_MEMBER', cat: 'ORG_OWNER', dan: 'ORG_MEMBER', eve: 'ORG_MEMBER' }),
		verified: ['vic'],
		others: ['vic'],
		teams: [
			{ name: 'Ops', members: ['bob'] },
			{ name: 'Dev', members: [] }
		],
		projects: [
			{
				name: 'Apollo',
				users: [
					['bob', ['PROJECT_READ_ONLY']],
					['dan', ['PROJECT_OWNER']],
					['eve', ['PROJECT_OWNER']]
				]
			}
		],
		invites: ['old@example.org']
	});
}

function plan(fx: Fixture, text: string, mode: BulkMode = 'add'): BulkPlan[] {
	let n = 0;
	const options = { orgId: ORG_ID, mode, projects: [{ id: projectId('Apollo'), name: 'Apollo' }], newId: () => `new-${++n}` };
	const parsed = parseBulkCsv(text, mode);
	if (!parsed.ok) throw new Error(parsed.message);
	return planBulk(parsed.rows, fx.state, { actorId: id('ann'), now: NOW }, options);
}
const verdicts = (plans: BulkPlan[]) => plans.map((p) => p.verdict);

describe('planning each row against the organization', () => {
	it('a user not yet a member is added with role, teams and projects', () => {
		const [row] = plan(org(), 'username,role,teams,projects\nvic,Project Creator,Ops;dev,apollo:Owner');
		expect(row!.steps.map((s) => s.mutation)).toEqual([
			{ type: 'member.add', orgId: ORG_ID, username: 'vic', role: 'ORG_PROJECT_CREATOR', teams: [teamId('Ops'), teamId('Dev')] },
			{ type: 'project.addUser', orgId: ORG_ID, projectId: projectId('Apollo'), username: 'vic', roles: ['PROJECT_OWNER'] }
		]);
		expect(row!.steps.map((s) => s.words)).toEqual(['Add as Project Creator, in teams Ops, Dev', 'Add to Apollo as Owner']);
		expect(row!.verdict).toEqual({ kind: 'added' });
	});

	it('an existing member gets only what differs: role, missing teams, project roles', () => {
		const [changed, same] = plan(org(), 'username,role,teams,projects\nbob,Read only,Ops;Dev,Apollo:Owner\nbob,,Ops,Apollo:Read only');
		expect(changed!.steps.map((s) => s.mutation.type)).toEqual(['member.setRole', 'team.addMember', 'project.setUserRoles']);
		expect(changed!.steps.map((s) => s.words)).toEqual([
			'Make Read Only (now Member)',
			'Add to team Dev',
			'Make Owner in Apollo (now Read only)'
		]);
		expect(changed!.verdict).toEqual({ kind: 'changed' });
		expect(same).toMatchObject({ steps: [], verdict: { kind: 'unchanged' } });
	});

	it('an address no user holds is invited, with project invitations; a member found by address is changed', () => {
		const [invited, byAddress] = plan(
			org(),
			'email,role,teams,projects\nnew@example.org,,Dev,Apollo:Read only\nBOB@example.com,Billing Admin,,'
		);
		expect(invited!.steps.map((s) => s.mutation)).toEqual([
			{ type: 'member.invite', orgId: ORG_ID, inviteId: 'new-1', email: 'new@example.org', role: 'ORG_MEMBER', teams: [teamId('Dev')] },
			{
				type: 'project.invite',
				orgId: ORG_ID,
				projectId: projectId('Apollo'),
				inviteId: 'new-2',
				email: 'new@example.org',
				roles: ['PROJECT_READ_ONLY']
			}
		]);
		expect(invited!.verdict).toEqual({ kind: 'invited' });
		expect(byAddress!.steps.map((s) => s.mutation)).toEqual([
			{ type: 'member.setRole', orgId: ORG_ID, userId: id('bob'), role: 'ORG_BILLING_ADMIN' }
		]);
	});

	it('an address a verified non-member holds adds that user; an address already invited is placed in the new teams', () => {
		const [vic, old] = plan(org(), 'email,teams\nvic@example.com,\nold@example.org,Dev');
		expect(vic!.verdict).toEqual({ kind: 'added' });
		expect(old!.steps.map((s) => s.mutation)).toEqual([
			{ type: 'team.addInvitee', orgId: ORG_ID, teamId: teamId('Dev'), inviteId: inviteId('old@example.org') }
		]);
		expect(old!.verdict).toEqual({ kind: 'changed' });
	});

	it('refuses with a reason and the cell: unknown username, team, project, another role for an invitee, the rules', () => {
		const plans = plan(
			org(),
			[
				'username,email,role,teams,projects',
				'nobody,,,,',
				'bob,,,Ghosts,',
				'bob,,,,Zeus:Owner',
				',old@example.org,Owner,,',
				'ann,,Member,,',
				'vic,,,,,'
			].join('\n')
		);
		expect(verdicts(plans)).toEqual([
			{ kind: 'refused', column: 'username', code: 'USER_NOT_FOUND', message: 'No Roster user is called “nobody”.' },
			{ kind: 'refused', column: 'teams', code: 'TEAM_NOT_FOUND', message: 'No team is called “Ghosts”.' },
			{ kind: 'refused', column: 'projects', code: 'PROJECT_NOT_FOUND', message: 'No project is called “Zeus”.' },
			{
				kind: 'refused',
				column: 'role',
				code: 'ALREADY_INVITED',
				message: 'old@example.org is already invited as Member: cancel that invitation to invite them as Organization Owner.'
			},
			{ kind: 'refused', column: 'role', code: 'PRIMARY_ADMIN_ROLE', message: expect.stringContaining('is the primary admin') },
			{ kind: 'added' }
		]);
	});

	it('a bad cell refuses its row without stopping the others', () => {
		expect(verdicts(plan(org(), 'username,role\nvic,Boss\nbob,Owner')).map((v) => v.kind)).toEqual(['refused', 'changed']);
	});
});

describe('each verdict sees the rows before it', () => {
	it('the same person twice: the second row is refused because the first already did it', () => {
		const plans = plan(org(), 'username,email\nvic,\nvic,\n,new@example.org\n,new@example.org');
		expect(verdicts(plans)).toEqual([
			{ kind: 'added' },
			{ kind: 'refused', column: 'username', code: 'ALREADY_MEMBER', message: 'vic is already a member.' },
			{ kind: 'invited' },
			{ kind: 'refused', column: 'email', code: 'ALREADY_INVITED', message: expect.stringContaining('new@example.org was already invited') }
		]);
	});

	it('removals: a member removed by an earlier row cannot be removed again, and a project left empty by earlier rows is refused', () => {
		const removals = plan(org(), 'username\nbob\nbob\ndan\neve', 'remove');
		expect(verdicts(removals)).toEqual([
			{ kind: 'removed' },
			{ kind: 'refused', column: 'username', code: 'MEMBER_NOT_FOUND', message: 'That user is not a member of this organization.' },
			{ kind: 'removed' },
			{
				kind: 'refused',
				column: 'username',
				code: 'LAST_PROJECT_MEMBER',
				message: 'Project Apollo would have no members left: close the project instead.'
			}
		]);
		// Alone, eve's removal would be accepted: dan still owns Apollo.
		expect(verdicts(plan(org(), 'username\neve', 'remove'))).toEqual([{ kind: 'removed' }]);
	});

	it('a refused row changes nothing for the rows after it', () => {
		// vic's first row is refused at its project step; the second row can still add vic.
		const plans = plan(org(), 'username,projects\nvic,Apollo:Owner|Apollo:Read only\nvic,');
		expect(verdicts(plans).map((v) => v.kind)).toEqual(['refused', 'added']);
		expect(plans[0]!.verdict).toMatchObject({ column: 'projects', code: 'ALREADY_ASSIGNED' });
	});
});

describe('removals', () => {
	it('removes a member by username or address, cancels an invitation by address, refuses the rest', () => {
		const plans = plan(org(), 'username,email\nbob,\n,cat@example.com\n,old@example.org\n,nobody@example.org\nvic,\nann,', 'remove');
		expect(plans.map((p) => p.steps.map((s) => s.mutation))).toEqual([
			[{ type: 'member.remove', orgId: ORG_ID, userId: id('bob') }],
			[{ type: 'member.remove', orgId: ORG_ID, userId: id('cat') }],
			[{ type: 'member.cancelInvite', orgId: ORG_ID, inviteId: inviteId('old@example.org') }],
			[],
			[],
			[{ type: 'member.remove', orgId: ORG_ID, userId: id('ann') }]
		]);
		expect(verdicts(plans)).toEqual([
			{ kind: 'removed' },
			{ kind: 'removed' },
			{ kind: 'uninvited' },
			{
				kind: 'refused',
				column: 'email',
				code: 'INVITATION_NOT_FOUND',
				message: 'No member has the address nobody@example.org, and it is not invited.'
			},
			{ kind: 'refused', column: 'username', code: 'MEMBER_NOT_FOUND', message: 'vic is not a member of this organization.' },
			{ kind: 'refused', column: 'username', code: 'PRIMARY_ADMIN_REMOVAL', message: expect.stringContaining('primary admin') }
		]);
	});
});

describe('expiry (rules §6): the membership ends on the row’s day', () => {
	const MARCH = Date.parse('2027-03-01T00:00:00Z');
	const expire = (userId: string, at = MARCH) =>
		({ type: 'access.setExpiry', orgId: ORG_ID, target: { kind: 'member', userId }, expiry: { at } }) as const;

	it('a member and a user the row adds get their membership’s expiry, after the row’s other changes', () => {
		const [changed, added] = plan(
			org(),
			'username,role,teams,projects,expires\nbob,Read only,,,2027-03-01\nvic,,Dev,Apollo:Owner,2027-03-01'
		);
		expect(changed!.steps.map((s) => s.mutation)).toEqual([
			{ type: 'member.setRole', orgId: ORG_ID, userId: id('bob'), role: 'ORG_READ_ONLY' },
			expire(id('bob'))
		]);
		expect(changed!.steps.map((s) => [s.column, s.words])).toEqual([
			['role', 'Make Read Only (now Member)'],
			['expires', 'Membership ends on 1 March 2027']
		]);
		expect(changed!.verdict).toEqual({ kind: 'changed' });
		// The team and the project end with the membership: no expiry of their own.
		expect(added!.steps.map((s) => s.mutation.type)).toEqual(['member.add', 'project.addUser', 'access.setExpiry']);
		expect(added!.steps.at(-1)!.mutation).toEqual(expire(id('vic')));
		expect(added!.verdict).toEqual({ kind: 'added' });
	});

	it('a member who already has that expiry is unchanged; another day replaces it, saying what it was', () => {
		const fx = org();
		expectAccepted(fx.run('ann', { type: 'access.setExpiry', target: { kind: 'member', userId: id('bob') }, expiry: { at: MARCH } }));
		const [same, later] = plan(fx, 'username,expires\nbob,2027-03-01\nbob,2027-06-30');
		expect(same).toMatchObject({ steps: [], verdict: { kind: 'unchanged' } });
		expect(later!.steps.map((s) => s.words)).toEqual(['Membership ends on 30 June 2027 (now 1 March 2027)']);
		expect(later!.verdict).toEqual({ kind: 'changed' });
	});

	it('a day not in the future is refused at the expires column, and the row’s other changes are not made', () => {
		const plans = plan(org(), 'username,role,expires\nbob,Read only,2023-01-01\nbob,Read only,');
		expect(plans[0]!.verdict).toEqual({
			kind: 'refused',
			column: 'expires',
			code: 'EXPIRY_NOT_FUTURE',
			message: 'Choose a moment in the future for access to end.'
		});
		// The refused row left bob a Member: the next row still makes him Read only.
		expect(plans[1]!.verdict).toEqual({ kind: 'changed' });
	});

	it('refused when its leaving could not happen: the primary admin, a project’s last owner after the rows above', () => {
		const plans = plan(org(), 'username,projects,expires\nann,,2027-03-01\ndan,,2027-03-01\neve,Apollo:Read only,\ndan,,2027-03-01');
		expect(verdicts(plans)).toEqual([
			{
				kind: 'refused',
				column: 'expires',
				code: 'PRIMARY_ADMIN_REMOVAL',
				message: expect.stringMatching(/^When it expires: .*primary admin/)
			},
			{ kind: 'changed' },
			{ kind: 'changed' },
			// eve now only reads Apollo: dan is its last owner.
			{ kind: 'refused', column: 'expires', code: 'LAST_PROJECT_OWNER', message: expect.stringMatching(/^When it expires: /) }
		]);
	});

	it('an invitation cannot carry an expiry: the row is refused naming the column, also for an address already invited', () => {
		const plans = plan(
			org(),
			'email,teams,expires\nnew@example.org,,2027-03-01\nold@example.org,Dev,2027-03-01\nbob@example.com,,2027-03-01'
		);
		const refusal = {
			kind: 'refused',
			column: 'expires',
			message:
				'An invitation cannot carry an expiry: leave the expires column empty for this row, and set the expiry once they have joined.'
		};
		expect(verdicts(plans)).toEqual([refusal, refusal, { kind: 'changed' }]);
		expect(plans[2]!.steps.map((s) => s.mutation)).toEqual([expire(id('bob'))]);
	});
});
