import { orgRoleOf, projectRolesOf, ROLE_WORDS } from './bulk-csv-values.ts';
import { Email, Username, type OrgRole, type ProjectRole } from './schemas.ts';

/**
 * Bulk changes from a CSV file (issue 14 §4), first step: the text read into rows, each naming one
 * person and what they should have. Nothing here reads the organization; bulk-csv-plan.ts does.
 */

/** What a file may hold: enough for a department, small enough to preview and send from a browser. */
export const BULK_MAX_BYTES = 1_000_000;
export const BULK_MAX_ROWS = 1000;

/** Add or change (the columns below), or remove (only who). */
export type BulkMode = 'add' | 'remove';

export const BULK_COLUMNS = ['username', 'email', 'role', 'teams', 'projects', 'expires'] as const;
export type BulkColumn = (typeof BULK_COLUMNS)[number];

export interface BulkRow {
	/** The line of the file the row starts on (1 is the header). */
	line: number;
	who: { username: string } | { email: string };
	/** Left out: unchanged for a member, Member for a newcomer. */
	role?: OrgRole;
	teams: string[];
	projects: { name: string; roles: ProjectRole[] }[];
	/** A day, YYYY-MM-DD. */
	expires?: string;
	/** A cell that could not be read: the row is refused with this sentence. */
	problem?: { column: BulkColumn; message: string };
}

export type BulkParse = { ok: true; rows: BulkRow[]; ignored: string[] } | { ok: false; message: string };

/** The file offered for download: every column, one row of each kind. */
export const BULK_TEMPLATE = [
	'username,email,role,teams,projects,expires',
	'jordan.lee,,Member,Platform;Data,billing-prod:Read only,',
	',sam@example.com,Project Creator,Platform,api:Owner+Cluster Manager,',
	'alex.kim,,Read only,,,'
].join('\r\n');

const LIST = /[;|]/;
const list = (cell: string) => [...new Set(cell.split(LIST).map((s) => s.trim()))].filter(Boolean);
const count = (n: number) => n.toLocaleString('en-US');

/** RFC 4180 records with the line each starts on: quoted fields, doubled quotes, CRLF or LF, a leading BOM; blank lines skipped. */
export function csvRecords(text: string): { line: number; cells: string[] }[] | { line: number; column: number; message: string } {
	const records: { line: number; cells: string[] }[] = [];
	let cells: string[] = [];
	let cell = '';
	let quoted = false;
	let wasQuoted = false;
	let line = 1;
	let start = 1;
	let quoteLine = 1;
	const endCell = () => {
		cells.push(cell);
		cell = '';
		wasQuoted = false;
	};
	const endRecord = () => {
		endCell();
		if (cells.length > 1 || cells[0] !== '') records.push({ line: start, cells });
		cells = [];
	};
	const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
	for (let i = 0; i < body.length; i++) {
		const c = body[i]!;
		if (quoted) {
			if (c === '"' && body[i + 1] === '"') {
				cell += '"';
				i++;
			} else if (c === '"') quoted = false;
			else {
				if (c === '\n') line++;
				cell += c;
			}
		} else if (c === '"') {
			if (cell !== '' || wasQuoted) {
				return { line, column: cells.length + 1, message: 'a quote inside a field must be doubled, and the field quoted as a whole' };
			}
			quoted = wasQuoted = true;
			quoteLine = line;
		} else if (c === ',') endCell();
		else if (c === '\n' || c === '\r') {
			if (c === '\r' && body[i + 1] === '\n') i++;
			endRecord();
			start = ++line;
		} else if (wasQuoted) {
			return { line, column: cells.length + 1, message: 'a quoted field must end at its closing quote (a comma or the end of the line)' };
		} else cell += c;
	}
	if (quoted) return { line: quoteLine, column: cells.length + 1, message: 'a quoted field is never closed' };
	endRecord();
	return records;
}

/** Reads a whole file; what makes it unreadable is one sentence naming where, what a cell gets wrong stays with its row. */
export function parseBulkCsv(text: string, mode: BulkMode): BulkParse {
	const bytes = new TextEncoder().encode(text).length;
	if (bytes > BULK_MAX_BYTES) {
		return fail(`The file is ${count(bytes)} bytes; an import takes at most ${count(BULK_MAX_BYTES)}: split it into smaller files.`);
	}
	const records = csvRecords(text);
	if (!Array.isArray(records)) return fail(`Line ${records.line}, column ${records.column}: ${records.message}.`);
	const [header, ...body] = records;
	if (!header) return fail('The file is empty: its first line names the columns, e.g. username,role,teams.');
	const names = header.cells.map((c) => c.trim().toLowerCase());
	const columns = new Map<BulkColumn, number>();
	const ignored: string[] = [];
	for (const [i, name] of names.entries()) {
		const known = BULK_COLUMNS.find((c) => c === name);
		if (!known) ignored.push(header.cells[i]!.trim() || `column ${i + 1}`);
		else if (columns.has(known)) return fail(`Line ${header.line}: the column “${known}” is named twice.`);
		else columns.set(known, i);
	}
	if (!columns.has('username') && !columns.has('email')) {
		return fail(`Line ${header.line}: the first line names the columns, and one of them must be “username” or “email”.`);
	}
	if (body.length > BULK_MAX_ROWS) {
		return fail(`The file has ${count(body.length)} rows; an import takes at most ${count(BULK_MAX_ROWS)}: split it into smaller files.`);
	}
	const cellOf = (cells: string[], column: BulkColumn) => {
		const i = columns.get(column);
		return i === undefined ? '' : (cells[i] ?? '').trim();
	};
	const whoColumn = columns.has('username') ? 'username' : 'email';
	const rows = body.map(({ line, cells }) => readRow(line, (column) => cellOf(cells, column), mode, whoColumn));
	return { ok: true, rows, ignored: mode === 'remove' ? [...ignored, ...removalIgnored(columns)] : ignored };
}

const fail = (message: string): BulkParse => ({ ok: false, message });

/** Columns a removal does not read: said back, so nobody expects a role column to matter there. */
const removalIgnored = (columns: Map<BulkColumn, number>) => [...columns.keys()].filter((c) => c !== 'username' && c !== 'email');

function readRow(line: number, cell: (column: BulkColumn) => string, mode: BulkMode, whoColumn: BulkColumn): BulkRow {
	const username = cell('username');
	const email = cell('email');
	// As written until read, so a refused row still says whom it was about.
	const row: BulkRow = { line, who: username || !email ? { username } : { email }, teams: [], projects: [] };
	const problem = (column: BulkColumn, message: string) => ({ ...row, problem: { column, message } });
	// The member export names both: the username is the one a person cannot share.
	if (username) {
		const parsed = Username.safeParse(username);
		if (!parsed.success) return problem('username', `“${username}” is not a username: ${parsed.error.issues[0]!.message}.`);
		row.who = { username: parsed.data };
	} else if (email) {
		const parsed = Email.safeParse(email);
		if (!parsed.success) return problem('email', `“${email}” is not an email address.`);
		row.who = { email: parsed.data };
	} else return problem(whoColumn, 'Give a username or an email address.');
	if (mode === 'remove') return row;

	const roleCell = cell('role');
	if (roleCell) {
		const role = orgRoleOf(roleCell);
		if (!role) return problem('role', `“${roleCell}” is not an organization role: write one of ${ROLE_WORDS.org}.`);
		row.role = role;
	}
	row.teams = list(cell('teams'));
	for (const entry of list(cell('projects'))) {
		const colon = entry.lastIndexOf(':');
		const name = entry.slice(0, Math.max(colon, 0)).trim();
		if (colon < 0 || !name) return problem('projects', `Write each project as its name and roles, e.g. api:Read only (not “${entry}”).`);
		const roles = projectRolesOf(entry.slice(colon + 1));
		if (!roles) {
			return problem('projects', `“${entry.slice(colon + 1).trim()}” is not a project role: write ${ROLE_WORDS.project}, joined by +.`);
		}
		row.projects.push({ name, roles });
	}
	const expires = cell('expires');
	if (expires) {
		if (!validDay(expires)) return problem('expires', `“${expires}” is not a date: write it as YYYY-MM-DD, e.g. 2027-03-01.`);
		row.expires = expires;
	}
	return row;
}

function validDay(text: string): boolean {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
	const at = new Date(`${text}T00:00:00Z`);
	return !Number.isNaN(at.getTime()) && at.toISOString().startsWith(text);
}
