import { describe, expect, it } from 'vitest';
import {
	BULK_MAX_BYTES,
	BULK_MAX_ROWS,
	BULK_TEMPLATE,
	csvRecords,
	parseBulkCsv,
	type BulkMode,
	type BulkRow
} from '../../src/lib/domain/bulk-csv.ts';

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
