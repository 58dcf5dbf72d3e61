/**
 * PostgreSQL's classes and codes that mean "not now": connection exceptions, shutting down or
 * starting, too many connections, a lock or idle-transaction timeout, a cancelled query, a deadlock.
 */
const SQLSTATE = /^(08|57P0[1-3]|53300|55P03|25P03|57014|40P01)/;
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Whether an error says the store could not be reached (it may be back soon) rather than that
 * something is wrong with what was asked: a client is then told to try again (1013, 503), not
 * that the server failed.
 */
export function storeUnavailable(err: unknown): boolean {
	const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
	if (typeof code === 'string' && (SQLSTATE.test(code) || NETWORK.has(code))) return true;
	return typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect|not queryable/i.test(message);
}
