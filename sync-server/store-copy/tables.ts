/**
 * What `store:copy` moves from the SQLite store into PostgreSQL, table by table: the columns
 * copied (in a fixed order, the order the report hashes them in) and how each side reads them.
 * Both sides answer rows in the same order: their key, text compared byte by byte (SQLite's
 * BINARY, PostgreSQL's "C"). Not copied: the rate-limit windows (a fresh start of each limit), and
 * each organization's next expiry moment (numbered by sequences the copy renumbers: the first server
 * on the copy works them out again, expiry-due.ts).
 */
export type ColumnType = 'text' | 'bigint' | 'boolean' | 'bytea';

export interface CopiedTable {
	name: string;
	columns: [string, ColumnType][];
	/** The columns rows are ordered by (a key of the table). */
	key: string[];
	/** The SQLite select of the columns in order, where the plain one does not give them. */
	source?: string;
}

export const COPIED: CopiedTable[] = [
	{
		name: 'users',
		columns: [
			['id', 'text'],
			['username', 'text'],
			['email', 'text'],
			['email_verified', 'boolean'],
			['display_name', 'text'],
			['password_hash', 'text'],
			['created_at', 'bigint'],
			// Sealed and keyed with the key file: they are copied as they are, and open only with that file.
			['totp_secret', 'text'],
			['totp_pending', 'text'],
			['totp_last_step', 'bigint'],
			['managed_by', 'text']
		],
		key: ['id']
	},
	{
		name: 'sessions',
		columns: [
			['token_hash', 'text'],
			['user_id', 'text'],
			['created_at', 'bigint'],
			['last_seen_at', 'bigint'],
			['stepped_up_at', 'bigint']
		],
		key: ['token_hash']
	},
	{
		name: 'session_orgs',
		columns: [
			['token_hash', 'text'],
			['org_id', 'text'],
			['last_seen_at', 'bigint'],
			['expired', 'boolean']
		],
		key: ['token_hash', 'org_id']
	},
	{
		name: 'recovery_codes',
		columns: [
			['user_id', 'text'],
			['code_hash', 'text']
		],
		key: ['user_id', 'code_hash']
	},
	{
		name: 'email_tokens',
		columns: [
			['token_hash', 'text'],
			['user_id', 'text'],
			['email', 'text'],
			['expires_at', 'bigint'],
			['used_at', 'bigint']
		],
		key: ['token_hash']
	},
	{
		// SQLite numbers updates across the file, PostgreSQL per organization: each organization's
		// updates are numbered 1..n in their order (the order they are applied in, so the same state).
		name: 'doc_updates',
		columns: [
			['org_id', 'text'],
			['seq', 'bigint'],
			['doc_id', 'text'],
			['data', 'bytea']
		],
		key: ['org_id', 'seq'],
		source: `select org_id, row_number() over (partition by org_id order by seq) as seq, doc_id, data from doc_updates`
	},
	{
		// The organizations' history: each organization's batches numbered 1..n in their order (the order they replay in).
		// A server starting on the copy reads each organization whole, so none is read as another server's commit.
		name: 'org_changes',
		columns: [
			['org_id', 'text'],
			['seq', 'bigint'],
			['body', 'text'],
			['at', 'bigint']
		],
		key: ['org_id', 'seq'],
		source: 'select org_id, row_number() over (partition by org_id order by seq) as seq, body, at from org_changes'
	},
	{
		// Each organization's head is the last of its new numbers: updates and batches of changes, numbered apart, each stay at or under it.
		name: 'org_heads',
		columns: [
			['org_id', 'text'],
			['seq', 'bigint']
		],
		key: ['org_id'],
		source: `select org_id, max(n) as seq from (
			select org_id, count(*) as n from doc_updates group by org_id
			union all select org_id, count(*) from org_changes group by org_id
		) group by org_id`
	},
	{
		// The activity feed pages by this number (SQLite's rowid): kept, so that the feed and its pages stay as they were.
		name: 'mutations',
		columns: [
			['seq', 'bigint'],
			['user_id', 'text'],
			['id', 'text'],
			['org_id', 'text'],
			['type', 'text'],
			['body', 'text'],
			['ok', 'boolean'],
			['code', 'text'],
			['message', 'text'],
			['at', 'bigint'],
			['names', 'text']
		],
		key: ['seq'],
		source: 'select rowid as seq, user_id, id, org_id, type, body, ok, code, message, at, names from mutations'
	},
	{
		name: 'memberships',
		columns: [
			['user_id', 'text'],
			['doc_id', 'text']
		],
		key: ['user_id', 'doc_id']
	},
	{
		name: 'invitations',
		columns: [
			['org_id', 'text'],
			['project_id', 'text'],
			['invite_id', 'text'],
			['email', 'text']
		],
		key: ['org_id', 'project_id', 'invite_id']
	},
	{
		name: 'org_webhooks',
		columns: [
			['org_id', 'text'],
			['url', 'text']
		],
		key: ['org_id']
	},
	{
		name: 'webhook_deliveries',
		columns: [
			['org_id', 'text'],
			['url', 'text'],
			['at', 'bigint'],
			['status', 'bigint'],
			['error', 'text']
		],
		key: ['org_id']
	}
];

const names = (t: CopiedTable) => t.columns.map(([c]) => c).join(', ');

/** The SQLite query answering the table's copied columns, in key order. */
export function sourceQuery(t: CopiedTable): string {
	return `select ${names(t)} from (${t.source ?? `select ${names(t)} from ${t.name}`}) order by ${t.key.join(', ')}`;
}

/** The PostgreSQL query answering the same, in the same order. */
export function targetQuery(t: CopiedTable): string {
	const type = new Map(t.columns);
	const order = t.key.map((k) => (type.get(k) === 'text' ? `${k} collate "C"` : k));
	return `select ${names(t)} from ${t.name} order by ${order.join(', ')}`;
}

/** Inserts rows given as one array per column. */
export function insertStatement(t: CopiedTable): string {
	const arrays = t.columns.map(([, type], i) => `$${i + 1}::${type}[]`);
	return `insert into ${t.name} (${names(t)}) select * from unnest(${arrays.join(', ')})`;
}

export type Value = string | number | boolean | Buffer | null;

/** A row as both sides compare it: SQLite's 0/1 as booleans, everything else as read. */
export function canonical(t: CopiedTable, row: Record<string, unknown>): Value[] {
	return t.columns.map(([c, type]) => {
		const v = row[c] as Value | undefined;
		if (v === null || v === undefined) return null;
		if (type === 'boolean') return v === true || v === 1;
		if (type === 'bigint') return Number(v);
		return v;
	});
}
