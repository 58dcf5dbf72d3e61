import { describe, expect, it } from 'vitest';
import { planBulk, type BulkPlan } from '../../src/lib/domain/bulk-csv-plan.ts';
import {
	BULK_MAX_BYTES,
	BULK_MAX_ROWS,
	BULK_TEMPLATE,
	csvRecords,
	parseBulkCsv,
	type BulkMode,
	type BulkRow
} from '../../src/lib/domain/bulk-csv.ts';
import { id, inviteId, membersOf, NOW, ORG_ID, orgWith, projectId, teamId, type Fixture } from './factories.ts';

const rowsOf = (text: string, mode: BulkMode = 'add'): BulkRow[] => {
	const parsed = parseBulkCsv(text, mode);
	if (!parsed.ok) throw new Error(parsed.message);
	return parsed.rows;
};
const failure = (text: string) => {
	const parsed = parseBulkCsv(text, 'add');
	return parsed.ok ? 'read' : parsed.message;
};

describe('reading a CSV file (RFC 4180)', () => {
	it('reads quoted fields, doubled quotes, commas and line breaks inside quotes, CRLF and LF, and skips blank lines', () => {
		const text = 'a,"b ""q"", c",d\r\n\r\n"multi\nline",x,\n"",y,z\n';
		expect(csvRecords(text)).toEqual([
			{ line: 1, cells: ['a', 'b "q", c', 'd'] },
			{ line: 3, cells: ['multi\nline', 'x', ''] },
			{ line: 5, cells: ['', 'y', 'z'] }
		]);
	});

	it('drops a leading byte-order mark, finds the columns in any order and any case, and says which it ignored', () => {
		const parsed = parseBulkCsv('\uFEFFTeams,Display_Name,ROLE,Username\r\n"Ops;Dev",Jo,Read only,jo.lee\r\n', 'add');
		expect(parsed).toEqual({
			ok: true,
			ignored: ['Display_Name'],
			rows: [{ line: 2, who: { username: 'jo.lee' }, role: 'ORG_READ_ONLY', teams: ['Ops', 'Dev'], projects: [] }]
		});
	});

	it('names the line and column of a broken quote', () => {
		expect(failure('username,role\nann,"Member\nbob,Owner\n')).toBe('Line 2, column 2: a quoted field is never closed.');
		expect(failure('username,role\nann,Mem"ber\n')).toMatch(/^Line 2, column 2: a quote inside a field must be doubled/);
		expect(failure('username,role\n"ann"x,Member\n')).toMatch(/^Line 2, column 1: a quoted field must end at its closing quote/);
	});

	it('refuses a file without a username or email column, a column named twice, and an empty file', () => {
		expect(failure('name,role\nann,Member')).toBe(
			'Line 1: the first line names the columns, and one of them must be “username” or “email”.'
		);
		expect(failure('username,role,Role\nann,Member,Owner')).toBe('Line 1: the column “role” is named twice.');
		expect(failure('\r\n\r\n')).toMatch(/^The file is empty/);
	});

	it('refuses more rows or bytes than an import takes, with a sentence saying so', () => {
		const many = ['username', ...Array.from({ length: BULK_MAX_ROWS + 1 }, (_, i) => `user${i}`)].join('\n');
		expect(failure(many)).toBe('The file has 1,001 rows; an import takes at most 1,000: split it into smaller files.');
		expect(rowsOf(many.split('\n').slice(0, -1).join('\n'))).toHaveLength(BULK_MAX_ROWS);
		expect(failure(`username\n${'x'.repeat(BULK_MAX_BYTES)}`)).toMatch(/^The file is 1,000,009 bytes; an import takes at most 1,000,000/);
	});

	it('reads role labels and codes, team lists split by ; or |, and projects with their roles', () => {
		const [row] = rowsOf(
			'username,role,teams,projects,expires\nann,organization owner,Ops | Dev;Ops,"billing-prod:Read only;api:Owner+cluster_manager",2027-03-01'
		);
		expect(row).toEqual({
			line: 2,
			who: { username: 'ann' },
			role: 'ORG_OWNER',
			teams: ['Ops', 'Dev'],
			projects: [
				{ name: 'billing-prod', roles: ['PROJECT_READ_ONLY'] },
				{ name: 'api', roles: ['PROJECT_OWNER', 'PROJECT_CLUSTER_MANAGER'] }
			],
			expires: '2027-03-01'
		});
		expect(rowsOf('email,role\nSam@Example.com,ORG_BILLING_VIEWER')[0]).toMatchObject({
			who: { email: 'Sam@Example.com' },
			role: 'ORG_BILLING_VIEWER'
		});
	});

	it('keeps a bad cell with its row, naming the column; a formula-looking cell stays text', () => {
		const rows = rowsOf(
			[
				'username,email,role,projects,expires',
				'ann,,Admin,,',
				',,Member,,',
				'bob,,,api,',
				'cat,,,api:Boss,',
				'dan,,,,2027-02-30',
				'"=HYPERLINK(""http://x"")",,,,'
			].join('\n')
		);
		expect(rows[0]!.who).toEqual({ username: 'ann' });
		expect(rows.map((r) => [r.line, r.problem?.column, r.problem?.message])).toEqual([
			[
				2,
				'role',
				'“Admin” is not an organization role: write one of Organization Owner, Project Creator, Billing Admin, Billing Viewer, Read Only, Member.'
			],
			[3, 'username', 'Give a username or an email address.'],
			[4, 'projects', 'Write each project as its name and roles, e.g. api:Read only (not “api”).'],
			[5, 'projects', '“Boss” is not a project role: write Owner, Cluster Manager, Read only, joined by +.'],
			[6, 'expires', '“2027-02-30” is not a date: write it as YYYY-MM-DD, e.g. 2027-03-01.'],
			[7, 'username', expect.stringContaining('“=HYPERLINK("http://x")” is not a username')]
		]);
		expect(rowsOf('username,teams\nbob,=1+2;@SUM(A1)')[0]!.teams).toEqual(['=1+2', '@SUM(A1)']);
	});

	it('a removal reads only who, and says the other columns are ignored', () => {
		expect(parseBulkCsv('username,role\nann,Nonsense', 'remove')).toEqual({
			ok: true,
			ignored: ['role'],
			rows: [{ line: 2, who: { username: 'ann' }, teams: [], projects: [] }]
		});
	});

	it('the template reads without a problem', () => {
		expect(rowsOf(BULK_TEMPLATE).filter((r) => r.problem)).toEqual([]);
	});
});

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
	return planBulk(rowsOf(text, mode), fx.state, { actorId: id('ann'), now: NOW }, options);
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

	it('a row with an expiry is refused until the expiry mutation exists, naming the column', () => {
		expect(verdicts(plan(org(), 'username,expires\nbob,2027-03-01'))).toEqual([
			{ kind: 'refused', column: 'expires', message: 'Expiry is not available yet: leave the expires column empty for now.' }
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
