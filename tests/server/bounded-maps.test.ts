import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncHub } from '../../sync-server/hub.ts';
import { MemoryLimiter } from '../../sync-server/limits.ts';
import { asyncAccounts } from '../../sync-server/storage/accounts.ts';
import { openSqlite } from '../../sync-server/storage/sqlite.ts';

/** The size of a private map, read the way only a test may. */
const sizeOf = (owner: object, field: string) => (owner as Record<string, Map<unknown, unknown>>)[field]!.size;

describe('MemoryLimiter', () => {
	it('forgets keys whose window has passed', async () => {
		const limiter = new MemoryLimiter(5, 1000);
		for (let i = 0; i < 1000; i++) await limiter.count(`address-${i}`, i);
		expect(sizeOf(limiter, 'counts')).toBe(1000);
		await limiter.count('late', 5000);
		expect(sizeOf(limiter, 'counts')).toBe(1);
	});

	it('keeps at most its bound of keys, and still limits the ones it keeps', async () => {
		const limiter = new MemoryLimiter(2, 60_000, 100);
		for (let i = 0; i < 10_000; i++) await limiter.count(`name:${i}`, 1);
		expect(sizeOf(limiter, 'counts')).toBe(100);
		await limiter.count('name:target', 2);
		await limiter.count('name:target', 3);
		expect(await limiter.retryAfter('name:target', 4)).toBeGreaterThan(0);
	});
});

describe('maps of the server keyed by outside input', () => {
	let dir: string;
	let store: ReturnType<typeof openSqlite>;
	let hub: SyncHub;
	const clock = 0;

	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'roster-maps-'));
		store = openSqlite(dir);
		hub = new SyncHub({ store: asyncAccounts(store.accounts), documents: store.documents, now: () => clock });
	});
	afterEach(() => {
		store.close();
		rmSync(dir, { recursive: true, force: true });
	});

	it('forgets a user once its last connection is gone', () => {
		const socket = { isOpen: () => true, send: () => {}, close: () => {} };
		const user = { id: 'u1', username: 'user1', email: 'u1@example.com', emailVerified: false, displayName: '' };
		const conn = hub.attach(socket, user, 'hash');
		expect(sizeOf(hub, 'connections')).toBe(1);
		hub.detach(conn);
		expect(sizeOf(hub, 'connections')).toBe(0);
	});
});
