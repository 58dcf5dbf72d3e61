import { csv } from './export.ts';
import type { AccessDiff, AccessFact } from './history-diff.ts';
import { ReportIndex, type AccessReport, type ReportSource } from './history-report.ts';

/** rules §2 "History": a report and a diff as files an auditor keeps (CSV for a spreadsheet, JSON whole). */

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? '' : new Date(ms).toISOString());

const REPORT_COLUMNS = ['kind', 'username', 'email', 'role', 'team', 'project', 'roles', 'via', 'expires_at'] as const;

/** One row per fact: each member's role, each team membership, each person's roles in each project (and from where), each invitation. */
export function reportCsv(r: AccessReport): string {
	const index = new ReportIndex(r);
	const via = (s: ReportSource) => (s.via === 'team' ? `team ${index.teamName(s.teamId)}` : s.via);
	const rows: string[][] = [];
	for (const m of r.members) {
		rows.push(['member', m.username, m.email, m.role, '', '', '', m.primaryAdmin ? 'primary admin' : '', '']);
		for (const t of m.teams) rows.push(['team_member', m.username, m.email, '', index.teamName(t), '', '', '', '']);
	}
	for (const p of r.projects) {
		for (const a of index.projectAccess(p)) {
			rows.push(['project_access', index.username(a.userId), '', '', '', p.name, a.roles.join(' '), a.sources.map(via).join('; '), '']);
		}
		for (const i of p.invitations) rows.push(['invitation', '', i.email, '', '', p.name, i.roles.join(' '), '', iso(i.expiresAt)]);
	}
	for (const i of r.invitations) {
		rows.push(['invitation', '', i.email, i.role, i.teams.map(index.teamName).join('; '), '', '', '', iso(i.expiresAt)]);
	}
	return csv(REPORT_COLUMNS, rows);
}

const DIFF_COLUMNS = ['change', 'kind', 'username', 'email', 'role', 'team', 'project', 'by', 'mutation', 'mutation_id', 'at'] as const;

/** The fact's cells: kind, username, email, role, team, project. */
function factCells(f: AccessFact): string[] {
	switch (f.kind) {
		case 'orgRole':
			return ['org_role', f.person.username, '', f.role, '', ''];
		case 'team':
			return ['team_member', f.person.username, '', '', f.team.name, ''];
		case 'projectRole':
			return ['project_role', f.person.username, '', f.role, '', f.project.name];
		case 'invitation':
			return ['invitation', '', f.email, f.roles.join(' '), '', f.project?.name ?? ''];
		default:
			return f satisfies never;
	}
}

/** One row per change: gained or lost, what, and the mutation that made it (by: the sender's username, "server" for the server's own). */
export function diffCsv(d: AccessDiff): string {
	return csv(
		DIFF_COLUMNS,
		d.lines.map((l) => [
			l.change,
			...factCells(l.fact),
			l.by ? (l.by.by === '' ? 'server' : (l.by.username ?? l.by.by)) : '',
			l.by?.type ?? '',
			l.by?.mutationId ?? '',
			iso(l.by?.at)
		])
	);
}

/** The report or diff whole, as the history route answers it. */
export const historyJson = (value: AccessReport | AccessDiff) => `${JSON.stringify(value, null, 2)}\n`;
