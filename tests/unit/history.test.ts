import { describe, expect, it } from 'vitest';
import {
	Replay,
	ReportIndex,
	accessReport,
	diffBetween,
	diffCsv,
	historyJson,
	projectRoleSources,
	reportAt,
	reportCsv,
	type AccessReport,
	type LoggedChanges,
	type OrgDocState
} from '../../src/lib/domain/index.ts';
import { emptyOrg, expectAccepted, id, type Intent } from './factories.ts';

/** An organization run through real checks, its accepted changes logged as the server logs them: one batch per step, `at` its time. */
function loggedOrg() {
	const f = emptyOrg(['ann', 'bob', 'carol']);
	const log: LoggedChanges[] = [];
	const states: { at: number; seq: number; report: Omit<AccessReport, 'moment' | 'since'> }[] = [];
	const step = (at: number, ...sent: [string, Intent][]) => {
		const seq = (log.at(-1)?.seq ?? 0) + 1;
		const entries = sent.map(([actor, intent], i) => {
			const verdict = f.run(actor, intent);
			expectAccepted(verdict);
			return { type: intent.type, changes: verdict.changes, by: id(actor), id: `m${seq}-${i}` };
		});
		log.push({ seq, at, entries });
		states.push({ at, seq, report: reportOf(f.state, at, seq) });
	};
	return { f, log, states, step };
}

/** What the live state's report is, as a replay's would be at that moment. */
function reportOf(state: OrgDocState, at: number, seq: number): Omit<AccessReport, 'moment' | 'since'> {
	const replay = new Replay(async () => []);
	const rows = ['org', 'member', 'team', 'teamMember', 'invitation'] as const;
	replay.state.apply(rows.flatMap((t) => [...state.rows(t).values()].map((row) => putOf(t, row))));
	for (const p of state.projectIds()) {
		const project = state.project(p)!;
		replay.state.apply([
			{ kind: 'project.put', project: project.project()! },
			...project.users().map((a) => ({ kind: 'projectUser.put' as const, projectId: p, ...a })),
			...project.teams().map((a) => ({ kind: 'projectTeam.put' as const, projectId: p, ...a })),
			...project.invitations().map((invitation) => ({ kind: 'projectInvitation.put' as const, projectId: p, invitation }))
		]);
	}
	const { moment: _, since: __, ...rest } = accessReport(replay.state, { moment: { at }, seq, since: null });
	return rest;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const putOf = (table: string, row: any): any =>
	({
		org: { kind: 'org.put', org: row },
		member: { kind: 'member.put', member: row },
		team: { kind: 'team.put', team: row },
		teamMember: { kind: 'teamMember.put', ...row },
		invitation: { kind: 'invitation.put', invitation: row }
	})[table];

/** A log read a page of `size` at a time, counting the reads. */
const pager = (log: LoggedChanges[], size = 2) => {
	const reads = { count: 0 };
	return { reads, read: async (after: number) => (reads.count++, log.filter((b) => b.seq > after).slice(0, size)) };
};

function scenario() {
	const o = loggedOrg();
	o.step(1000, ['ann', { type: 'org.create', name: 'Acme' }]);
	o.step(2000, ['ann', { type: 'member.add', username: 'bob', role: 'ORG_MEMBER', teams: [] }]);
	o.step(
		3000,
		['ann', { type: 'team.create', teamId: 't-ops', name: 'Ops' }],
		['ann', { type: 'team.addMember', teamId: 't-ops', userId: id('bob') }]
	);
	o.step(
		4000,
		['ann', { type: 'project.create', projectId: 'p-apollo', name: 'Apollo' }],
		['ann', { type: 'project.addTeam', projectId: 'p-apollo', teamId: 't-ops', roles: ['PROJECT_READ_ONLY'] }]
	);
	o.step(5000, ['ann', { type: 'member.setRole', userId: id('bob'), role: 'ORG_READ_ONLY' }]);
	o.step(6000, ['ann', { type: 'team.removeMember', teamId: 't-ops', userId: id('bob') }]);
	o.step(7000, ['ann', { type: 'member.add', username: 'carol', role: 'ORG_OWNER', teams: ['t-ops'] }]);
	return o;
}

const withoutMoment = ({ moment: _, since: __, ...rest }: AccessReport) => rest;

describe('history: replaying the log', () => {
	it('rebuilds the organization at every logged moment, by time and by sequence, equal to the live state then', async () => {
		const { log, states } = scenario();
		for (const s of states) {
			for (const at of [s.at, s.at + 999]) {
				const got = await reportAt(pager(log).read, { at });
				if (!('report' in got)) throw new Error('no report');
				expect(withoutMoment(got.report)).toEqual(s.report);
				expect(got.report.since).toBe(1000);
			}
			const bySeq = await reportAt(pager(log).read, { seq: s.seq });
			expect('report' in bySeq && withoutMoment(bySeq.report)).toEqual(s.report);
		}
	});

	it('is exact to the mutation: a sequence moment may stop inside a batch', async () => {
		const { log } = scenario();
		const got = await reportAt(pager(log).read, { seq: 3, entries: 1 });
		if (!('report' in got)) throw new Error('no report');
		expect(got.report.teams).toEqual([{ id: 't-ops', name: 'Ops', members: [] }]);
	});

	it('reads each page once, and refuses a time before the first timed batch', async () => {
		const { log } = scenario();
		const p = pager(log, 3);
		await reportAt(p.read, { at: 99_999 });
		expect(p.reads.count).toBe(Math.ceil(log.length / 3) + 1);
		expect(await reportAt(pager(log).read, { at: 999 })).toEqual({ beforeStart: 1000 });
		// Batches logged before times were kept come first and carry none: the history starts at the first timed one.
		const untimed = log.map((b, i) => (i < 2 ? { seq: b.seq, entries: b.entries } : b));
		expect(await reportAt(pager(untimed).read, { at: 2500 })).toEqual({ beforeStart: 3000 });
		const got = await reportAt(pager(untimed).read, { at: 3000 });
		expect('report' in got && got.report.members.map((m) => m.username)).toEqual(['ann', 'bob']);
	});

	it('reports effective access with its sources as access.ts does', async () => {
		const o = scenario();
		const got = await reportAt(pager(o.log).read, { at: 7000 });
		if (!('report' in got)) throw new Error('no report');
		const index = new ReportIndex(got.report);
		const apollo = index.projectAccess(got.report.projects[0]!);
		expect(apollo.map((a) => [index.username(a.userId), a.roles])).toEqual([
			['ann', ['PROJECT_OWNER']],
			['carol', ['PROJECT_OWNER', 'PROJECT_READ_ONLY']]
		]);
		// Every member's sources are the live state's (access.ts).
		for (const m of got.report.members) {
			const mine = apollo.find((a) => a.userId === m.userId)?.sources ?? [];
			const live = projectRoleSources(o.f.state, 'p-apollo', m.userId);
			expect(mine.map((s) => [s.via === 'team' ? s.teamId : s.via, s.roles])).toEqual(
				live.map((s) => [typeof s.via === 'string' ? s.via : s.via.teamId, s.roles])
			);
		}
		expect(got.report.members.find((m) => m.username === 'carol')).toMatchObject({ role: 'ORG_OWNER', teams: ['t-ops'] });
	});
});

describe('history: what changed between two moments', () => {
	it('lists who gained and lost which access, each change attributed to the mutation that made it', async () => {
		const { log } = scenario();
		const diff = await diffBetween(pager(log).read, { at: 4500 }, { at: 7000 });
		if (!('lines' in diff)) throw new Error('no diff');
		const lines = diff.lines.map((l) => {
			const f = l.fact;
			const what =
				f.kind === 'invitation'
					? f.email
					: `${f.person.username} ${f.kind === 'team' ? f.team.name : f.kind === 'projectRole' ? `${f.project.name} ${f.role}` : f.role}`;
			return `${l.change} ${f.kind} ${what} by ${l.by?.username} ${l.by?.type} at ${l.by?.at}`;
		});
		expect(lines).toEqual([
			'lost orgRole bob ORG_MEMBER by ann member.setRole at 5000',
			'gained orgRole bob ORG_READ_ONLY by ann member.setRole at 5000',
			'lost team bob Ops by ann team.removeMember at 6000',
			'lost projectRole bob Apollo PROJECT_READ_ONLY by ann team.removeMember at 6000',
			'gained orgRole carol ORG_OWNER by ann member.add at 7000',
			'gained team carol Ops by ann member.add at 7000',
			'gained projectRole carol Apollo PROJECT_OWNER by ann member.add at 7000',
			'gained projectRole carol Apollo PROJECT_READ_ONLY by ann member.add at 7000'
		]);
		expect(diff.lines[0]!.by).toMatchObject({ by: id('ann'), mutationId: 'm5-0', seq: 5, entry: 0 });
		// Access gained and lost again between the moments is no change.
		const both = await diffBetween(pager(log).read, { at: 3500 }, { at: 7000 });
		expect('lines' in both && both.lines.filter((l) => l.fact.kind === 'projectRole' && l.fact.person.username === 'bob')).toEqual([]);
		// A project created in between gives its owners their implicit role, named as the creation.
		const created = 'lines' in both ? both.lines.find((l) => l.fact.kind === 'projectRole' && l.fact.person.username === 'ann') : undefined;
		expect(created).toMatchObject({ change: 'gained', fact: { role: 'PROJECT_OWNER' }, by: { type: 'project.create', at: 4000 } });
		// Nothing changed between two moments with no batch between them.
		const none = await diffBetween(pager(log).read, { at: 7000 }, { at: 9000 });
		expect('lines' in none && none.lines).toEqual([]);
	});
});

describe('history: exports', () => {
	it('writes a report and a diff as CSV (formulas defused) and JSON', async () => {
		const o = loggedOrg();
		o.step(1000, ['ann', { type: 'org.create', name: 'Acme' }]);
		o.step(2000, ['ann', { type: 'team.create', teamId: 't-x', name: '=cmd()' }]);
		o.step(3000, ['ann', { type: 'member.add', username: 'bob', role: 'ORG_MEMBER', teams: ['t-x'] }]);
		const got = await reportAt(pager(o.log).read, { at: 3000 });
		if (!('report' in got)) throw new Error('no report');
		const csv = reportCsv(got.report);
		expect(csv.split('\r\n')).toEqual([
			'kind,username,email,role,team,project,roles,via,expires_at',
			'member,ann,ann@example.com,ORG_OWNER,,,,primary admin,',
			'member,bob,bob@example.com,ORG_MEMBER,,,,,',
			'team_member,bob,bob@example.com,,"\'=cmd()",,,,',
			''
		]);
		expect(JSON.parse(historyJson(got.report))).toEqual(got.report);
		const diff = await diffBetween(pager(o.log).read, { at: 1000 }, { at: 3000 });
		if (!('lines' in diff)) throw new Error('no diff');
		expect(diffCsv(diff).split('\r\n')).toEqual([
			'change,kind,username,email,role,team,project,by,mutation,mutation_id,at',
			'gained,org_role,bob,,ORG_MEMBER,,,ann,member.add,m3-0,1970-01-01T00:00:03.000Z',
			`gained,team_member,bob,,,"'=cmd()",,ann,member.add,m3-0,1970-01-01T00:00:03.000Z`,
			''
		]);
	});
});
