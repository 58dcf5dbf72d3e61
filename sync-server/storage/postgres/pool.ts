import pg from 'pg';

/** What an operator can cause at start (a bad URL, an unreachable database, a foreign schema): its message is the whole story. */
export class StoreOpenError extends Error {}

const INT8 = 20;

/** Milliseconds and sequences are bigint columns: as JS numbers, exact up to 2^53 (pg answers strings by default). */
const types = {
	getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
		oid === INT8 && format !== 'binary'
			? (value: string) => Number(value)
			: pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser
};

/** Where a URL points, for messages: host, port and database, never the password. */
export function describeUrl(url: string): string {
	const u = new URL(url);
	return `${u.hostname || 'localhost'}:${u.port || 5432}${u.pathname.length > 1 ? u.pathname : ''}`;
}

function parseUrl(url: string): URL {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw new StoreOpenError('The database URL is malformed: it must look like postgres://user:password@host:5432/database.');
	}
	if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
		throw new StoreOpenError(`The database URL must start with postgres:// (it starts with ${parsed.protocol}//).`);
	}
	return parsed;
}

/** One sentence for a failed first connection; undefined for what is not the operator's (a bug keeps its stack). */
function openingFailure(err: unknown, url: URL): string | undefined {
	const where = describeUrl(url.toString());
	const { code, message } = err as { code?: string; message?: string };
	if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT' || code === 'EAI_AGAIN') {
		return `Cannot reach PostgreSQL at ${where} (${code}).`;
	}
	if (message?.includes('timeout')) return `Cannot reach PostgreSQL at ${where} (no answer within 10 seconds).`;
	if (code === '28P01' || code === '28000')
		return `PostgreSQL at ${where} refused the user ${decodeURIComponent(url.username) || '(none)'}: ${message}.`;
	if (code === '3D000') return `PostgreSQL at ${where} has no such database: ${message}.`;
	if (code?.startsWith('08') || code?.startsWith('57P')) return `PostgreSQL at ${where} closed the connection: ${message}.`;
	return undefined;
}

/**
 * A pool of connections to the database at `url`, checked by one connection first. Broken
 * connections are discarded and replaced on demand, so the pool outlives a PostgreSQL restart;
 * an idle connection's failure is logged, never thrown.
 */
export async function openPool(url: string, max = 10): Promise<pg.Pool> {
	const parsed = parseUrl(url);
	const pool = new pg.Pool({
		connectionString: url,
		max,
		types,
		connectionTimeoutMillis: 10_000,
		// A connection that dies half-way is noticed in seconds, not TCP's hours; a server that hangs
		// inside a commit loses its transaction (and the organizations' locks) after a minute, and a
		// commit waiting for a lock that long fails (its clients send again) rather than waiting forever.
		keepAlive: true,
		keepAliveInitialDelayMillis: 10_000,
		idle_in_transaction_session_timeout: 60_000,
		lock_timeout: 30_000
	});
	// A connection lost while checked out (PostgreSQL restarting between two queries of a transaction) emits 'error' on
	// its client: heard here, so the process lives on; the query that needs it then fails, and the pool discards it.
	pool.on('connect', (client) =>
		client.on('error', (err) => console.error(`PostgreSQL at ${describeUrl(url)}: a connection failed (${err.message}).`))
	);
	pool.on('error', (err) =>
		console.error(`PostgreSQL at ${describeUrl(url)}: an idle connection failed (${err.message}); the next query opens another.`)
	);
	try {
		const client = await pool.connect();
		client.release();
	} catch (err) {
		await pool.end().catch(() => undefined);
		const sentence = openingFailure(err, parsed);
		throw sentence ? new StoreOpenError(sentence) : err;
	}
	return pool;
}

/** Runs `fn` in a transaction on one pooled connection: committed when it resolves, rolled back when it throws; the connection always returns. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
	const client = await pool.connect();
	try {
		await client.query('begin');
		const result = await fn(client);
		await client.query('commit');
		client.release();
		return result;
	} catch (err) {
		await rollback(client, err);
		throw err;
	}
}

/** Rolls back and returns the connection; one that cannot even roll back is broken, and discarded. */
export async function rollback(client: pg.PoolClient, cause?: unknown): Promise<void> {
	try {
		await client.query('rollback');
		client.release();
	} catch (err) {
		client.release((cause ?? err) as Error);
	}
}

const named = new Map<string, string>();

/**
 * A query PostgreSQL parses and plans once per connection (a named prepared statement): the hot
 * ones (sessions, users, the commit's locks and log) run thousands of times a second under load.
 */
export function prepared(text: string, values: unknown[]): pg.QueryConfig {
	let name = named.get(text);
	if (!name) named.set(text, (name = `roster_${named.size}`));
	return { name, text, values };
}
