import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RateLimiter, scryptCost } from '../../sync-server/auth.ts';
import { HttpApi } from '../../sync-server/http.ts';
import { SyncHub } from '../../sync-server/hub.ts';
import { Store } from '../../sync-server/store.ts';
import { TEST_PASSWORD_COST } from './test-client.ts';

/** The size of a private map, read the way only a test may. */
const sizeOf = (owner: object, field: string) => (owner as Record<string, Map<unknown, unknown>>)[field]!.size;

describe('RateLimiter', () => {
	it('forgets keys whose window has passed', () => {
		const limiter = new RateLimiter(5, 1000);
		for (let i = 0; i < 1000; i++) limiter.count(`address-${i}`, i);
		expect(sizeOf(limiter, 'counts')).toBe(1000);
		limiter.count('late', 5000);
		expect(sizeOf(limiter, 'counts')).toBe(1);
	});

	it('keeps at most its bound of keys, and still limits the ones it keeps', () => {
		const limiter = new RateLimiter(2, 60_000, 100);
		for (let i = 0; i < 10_000; i++) limiter.count(`name:${i}`, 1);
		expect(sizeOf(limiter, 'counts')).toBe(100);
		limiter.count('name:target', 2);
		limiter.count('name:target', 3);
		expect(limiter.retryAfter('name:target', 4)).toBeGreaterThan(0);
	});
});

describe('maps of the server keyed by outside input', () => {
	let dir: string;
	let store: Store;
	let hub: SyncHub;
	let clock = 0;

	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'roster-maps-'));
		store = new Store(dir);
		hub = new SyncHub({ store, now: () => clock });
	});
	afterEach(() => {
		store.close();
		rmSync(dir, { recursive: true, force: true });
	});

	it('keeps the activity of recently active sessions only, the rest written to the store', () => {
		const deps = { store, hub, mailer: undefined as never, billing: undefined as never, staticDir: dir, now: () => clock, publicUrl: () => '' };
		const api = new HttpApi({ ...deps, scrypt: scryptCost(TEST_PASSWORD_COST), signUpsPerHour: 10, edge: undefined as never });
		for (let i = 0; i < 100; i++) {
			store.insertUser({ id: `u${i}`, username: `user${i}`, email: `u${i}@example.com`, emailVerified: false, displayName: '', passwordHash: 'x' }, 0);
			store.insertSession(`s${i}`, `u${i}`, 0);
		}
		clock = 1000;
		for (let i = 0; i < 100; i++) expect(api.sessionActive(`s${i}`)).toBe(true);
		clock = 30_000;
		for (let i = 0; i < 100; i++) api.sessionActive(`s${i}`);
		expect(sizeOf(api, 'seen')).toBe(100);

		clock = 120_000;
		api.sessionActive('s0');
		expect(sizeOf(api, 'seen')).toBe(1);
		// Nothing was lost: the quiet sessions' last activity is in the store.
		expect(store.session('s1')?.last_seen_at).toBe(30_000);
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
