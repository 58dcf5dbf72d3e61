import { rowKey } from './history-state.ts';
import type { AccessReport, Named, Person } from './history-report.ts';
import { Replay, type Attribution, type Moment, type ReadLog } from './history.ts';
import { accessReport } from './history-report.ts';
import { teamMemberKey, type TableName } from './model.ts';
import type { OrgRole, ProjectRole } from './schemas.ts';

/** One piece of access someone held: an organization role, a team membership, a project role, or a pending invitation. */
export type AccessFact =
	| { kind: 'orgRole'; person: Person; role: OrgRole }
	| { kind: 'team'; person: Person; team: Named }
	| { kind: 'projectRole'; person: Person; project: Named; role: ProjectRole }
	| { kind: 'invitation'; id: string; email: string; project: Named | null; roles: (OrgRole | ProjectRole)[] };

/** A fact gained or lost between two moments, and the mutation that last made that change (null: none logged between them). */
export interface DiffLine {
	change: 'gained' | 'lost';
	fact: AccessFact;
	by: (Attribution & { username: string | null }) | null;
}

export interface AccessDiff {
	from: Pick<AccessReport, 'moment' | 'seq'>;
	to: Pick<AccessReport, 'moment' | 'seq'>;
	since: number | null;
	lines: DiffLine[];
}

/** Every fact of a report by a key naming it, and the rows whose writes may have made or ended it (rowKey). */
function facts(r: AccessReport): Map<string, { fact: AccessFact; rows: string[] }> {
	const out = new Map<string, { fact: AccessFact; rows: string[] }>();
	const row = (table: TableName, key: string, project = '') => rowKey(table, project, key);
	const teamsOf = new Map(r.members.map((m) => [m.userId, m.teams.map((t) => t.id)]));
	for (const m of r.members) {
		const person = { userId: m.userId, username: m.username };
		out.set(`role\u0000${m.userId}\u0000${m.role}`, { fact: { kind: 'orgRole', person, role: m.role }, rows: [row('member', m.userId)] });
		for (const team of m.teams) {
			out.set(`team\u0000${m.userId}\u0000${team.id}`, {
				fact: { kind: 'team', person, team },
				rows: [row('member', m.userId), row('team', team.id), row('teamMember', teamMemberKey(team.id, m.userId))]
			});
		}
	}
	for (const p of r.projects) {
		const project = { id: p.id, name: p.name };
		for (const a of p.access) {
			const person = { userId: a.userId, username: a.username };
			const teams = teamsOf.get(a.userId) ?? [];
			const rows = [
				row('member', a.userId),
				row('project', 'project', p.id),
				row('projectUser', a.userId, p.id),
				...teams.flatMap((t) => [row('team', t), row('teamMember', teamMemberKey(t, a.userId)), row('projectTeam', t, p.id)])
			];
			for (const role of a.roles)
				out.set(`project\u0000${a.userId}\u0000${p.id}\u0000${role}`, { fact: { kind: 'projectRole', person, project, role }, rows });
		}
		for (const i of p.invitations) {
			out.set(`invite\u0000${p.id}\u0000${i.id}\u0000${i.email}\u0000${i.roles.join(' ')}`, {
				fact: { kind: 'invitation', id: i.id, email: i.email, project, roles: i.roles },
				rows: [row('projectInvitation', i.id, p.id)]
			});
		}
	}
	for (const i of r.invitations) {
		out.set(`invite\u0000\u0000${i.id}\u0000${i.email}\u0000${i.role}`, {
			fact: { kind: 'invitation', id: i.id, email: i.email, project: null, roles: [i.role] },
			rows: [row('invitation', i.id)]
		});
	}
	return out;
}

const later = (a: Attribution | undefined, b: Attribution | undefined) =>
	!a || (b && (b.seq > a.seq || (b.seq === a.seq && b.entry > a.entry))) ? b : a;
const order = (l: DiffLine) => [l.by?.seq ?? Infinity, l.by?.entry ?? 0] as const;

/**
 * Who gained or lost which access between two reports, each change attributed to the last mutation
 * (of those logged between them: `writers`) that wrote a row it depends on; oldest change first.
 * A team membership lost with its team names the team's deletion, a role lost with an assignment its removal.
 */
export function accessDiff(from: AccessReport, to: AccessReport, writers: ReadonlyMap<string, Attribution>): AccessDiff {
	const before = facts(from);
	const after = facts(to);
	const username = new Map([...from.members, ...to.members].map((m) => [m.userId, m.username]));
	const line = (change: DiffLine['change'], { fact, rows }: { fact: AccessFact; rows: string[] }): DiffLine => {
		const by = rows.map((key) => writers.get(key)).reduce(later, undefined);
		return { change, fact, by: by ? { ...by, username: username.get(by.by) ?? null } : null };
	};
	const lines = [
		...[...before].filter(([key]) => !after.has(key)).map(([, f]) => line('lost', f)),
		...[...after].filter(([key]) => !before.has(key)).map(([, f]) => line('gained', f))
	];
	lines.sort((a, b) => {
		const [as, ae] = order(a);
		const [bs, be] = order(b);
		return as - bs || ae - be || (a.change === b.change ? 0 : a.change === 'lost' ? -1 : 1);
	});
	return { from: { moment: from.moment, seq: from.seq }, to: { moment: to.moment, seq: to.seq }, since: to.since, lines };
}

/** The diff between two moments (`from` before `to`), reading the log once; or the moment before the history starts. */
export async function diffBetween(read: ReadLog, from: Moment, to: Moment): Promise<AccessDiff | { beforeStart: number | null }> {
	const replay = await new Replay(read).to(from);
	if (replay.beforeStart(from)) return { beforeStart: replay.since ?? null };
	const a = accessReport(replay.state, { moment: from, seq: replay.seq, since: replay.since ?? null });
	const writers = replay.record();
	await replay.to(to);
	return accessDiff(a, accessReport(replay.state, { moment: to, seq: replay.seq, since: replay.since ?? null }), writers);
}
