import { rowKey } from './history-state.ts';
import { accessReport, ReportIndex, type AccessReport } from './history-report.ts';
import { Replay, type Attribution, type ReadLog } from './history.ts';
import type { Moment } from './history-report.ts';
import { teamMemberKey, type TableName } from './model.ts';
import type { OrgRole, ProjectRole } from './schemas.ts';

export interface Person {
	userId: string;
	username: string;
}

export interface Named {
	id: string;
	name: string;
}

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

/** A fact, and the rows whose writes may have made or ended it (rowKey; listed only for the facts that changed). */
interface Fact {
	fact: AccessFact;
	rows: () => string[];
}

/**
 * Whose facts, and which projects' facts, may differ between the moments: those a row written in between
 * touches (a fact depends only on the rows Fact.rows lists). Everyone else's are left out of the comparison,
 * so a diff across a few changes costs what they touch, not the organization.
 */
interface Scope {
	users: Set<string>;
	projects: Set<string>;
}

function scopeOf(writers: ReadonlyMap<string, Attribution>, reports: readonly AccessReport[]): Scope {
	const scope: Scope = { users: new Set(), projects: new Set() };
	const teams = new Set<string>();
	for (const written of writers.keys()) {
		const [table, project, key] = written.split('\u0000') as [TableName, string, string];
		if (table === 'member' || table === 'projectUser') scope.users.add(key);
		else if (table === 'teamMember') scope.users.add(key.slice(key.indexOf('/') + 1));
		else if (table === 'team' || table === 'projectTeam') teams.add(key);
		else if (table === 'project') scope.projects.add(project);
	}
	for (const r of reports) for (const t of r.teams) if (teams.has(t.id)) for (const u of t.members) scope.users.add(u);
	return scope;
}

/** Under this many people in scope, each one's access is worked out alone in every project; above it, each project's whole. */
const FEW = 64;

/** Every fact of a report within the scope, by a key naming it. */
function facts(r: AccessReport, scope: Scope): Map<string, Fact> {
	const out = new Map<string, Fact>();
	const row = (table: TableName, key: string, project = '') => rowKey(table, project, key);
	const index = new ReportIndex(r);
	const person = (userId: string): Person => ({ userId, username: index.username(userId) });
	const team = (id: string): Named => ({ id, name: index.teamName(id) });
	for (const m of r.members) {
		if (!scope.users.has(m.userId)) continue;
		out.set(`role\u0000${m.userId}\u0000${m.role}`, {
			fact: { kind: 'orgRole', person: person(m.userId), role: m.role },
			rows: () => [row('member', m.userId)]
		});
		for (const t of m.teams) {
			out.set(`team\u0000${m.userId}\u0000${t}`, {
				fact: { kind: 'team', person: person(m.userId), team: team(t) },
				rows: () => [row('member', m.userId), row('team', t), row('teamMember', teamMemberKey(t, m.userId))]
			});
		}
	}
	for (const p of r.projects) {
		const project = { id: p.id, name: p.name };
		const whole = scope.projects.has(p.id);
		const access =
			!whole && scope.users.size < FEW
				? [...scope.users].flatMap((u) => index.accessOf(p, u) ?? [])
				: index.projectAccess(p).filter((a) => whole || scope.users.has(a.userId));
		for (const a of access) {
			const rows = () => [
				row('member', a.userId),
				row('project', 'project', p.id),
				row('projectUser', a.userId, p.id),
				...(index.member.get(a.userId)?.teams ?? []).flatMap((t) => [
					row('team', t),
					row('teamMember', teamMemberKey(t, a.userId)),
					row('projectTeam', t, p.id)
				])
			];
			for (const role of a.roles) {
				out.set(`project\u0000${a.userId}\u0000${p.id}\u0000${role}`, {
					fact: { kind: 'projectRole', person: person(a.userId), project, role },
					rows
				});
			}
		}
		for (const i of p.invitations) {
			out.set(`invite\u0000${p.id}\u0000${i.id}\u0000${i.email}\u0000${i.roles.join(' ')}`, {
				fact: { kind: 'invitation', id: i.id, email: i.email, project, roles: i.roles },
				rows: () => [row('projectInvitation', i.id, p.id)]
			});
		}
	}
	for (const i of r.invitations) {
		out.set(`invite\u0000\u0000${i.id}\u0000${i.email}\u0000${i.role}`, {
			fact: { kind: 'invitation', id: i.id, email: i.email, project: null, roles: [i.role] },
			rows: () => [row('invitation', i.id)]
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
	const scope = scopeOf(writers, [from, to]);
	const before = facts(from, scope);
	const after = facts(to, scope);
	const username = new Map([...from.members, ...to.members].map((m) => [m.userId, m.username]));
	const line = (change: DiffLine['change'], { fact, rows }: Fact): DiffLine => {
		const by = rows()
			.map((key) => writers.get(key))
			.reduce(later, undefined);
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
