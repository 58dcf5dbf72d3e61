import { sveltekit } from '@sveltejs/kit/vite';
import { svelteTesting } from '@testing-library/svelte/vite';
import { accessSync, constants } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Test servers write their stores durably (an fsync per commit): on a RAM file system that costs
 * nothing, and a server starts in a tenth of the time. Every temporary directory the tests make
 * (os.tmpdir()) goes there where there is one.
 */
const ramDir = (() => {
	try {
		accessSync('/dev/shm', constants.W_OK);
		return '/dev/shm';
	} catch {
		return undefined;
	}
})();

/** Test files that measure the process's memory (what a slow reader leaves behind). */
const MEASURES_MEMORY = ['tests/server/slow-reader.test.ts'];

/** Tests of the PostgreSQL store itself: they run with the cluster, in the server-pg project. */
const PG_ONLY = ['tests/server/pg-*.test.ts'];

/**
 * Server test files that open an SQLite store of their own rather than a test server's (the contract
 * suites' SQLite runners, the hub over a store in the test's process): the PostgreSQL project leaves them out.
 */
const OWN_SQLITE_STORE = [
	'tests/server/sqlite-*.test.ts',
	'tests/server/budget.test.ts',
	'tests/server/bounded-maps.test.ts',
	'tests/server/hub-memory.test.ts'
];

/** How the unit project runs its tests, and the PostgreSQL project the server tests. */
const SERVER_TESTS = {
	environment: 'node' as const,
	// Files share their worker's modules: the server loads once per worker instead of once per file
	// (most of this project's time). What every file needs is in the set-up file.
	isolate: false,
	setupFiles: ['tests/setup.ts'],
	// A timeout catches a hang, not slowness: a shared machine may run several times slower than a quiet one.
	testTimeout: 30_000,
	hookTimeout: 30_000
};

export default defineConfig({
	plugins: [sveltekit()],
	test: {
		env: ramDir ? { TMPDIR: ramDir } : {},
		// Vitest's default leaves a core idle (one worker on two cores); server tests wait little now, so use them all.
		maxWorkers: availableParallelism(),
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					include: ['tests/unit/**/*.test.ts', 'tests/server/**/*.test.ts', 'tests/fuzz/**/*.test.ts'],
					exclude: [...MEASURES_MEMORY, ...PG_ONLY],
					...SERVER_TESTS
				}
			},
			{
				extends: true,
				// The server tests again, each test server on a fresh database of a throwaway PostgreSQL cluster (tests/server/test-store.ts).
				test: {
					name: 'server-pg',
					include: ['tests/server/**/*.test.ts'],
					exclude: [...MEASURES_MEMORY, ...OWN_SQLITE_STORE],
					...SERVER_TESTS,
					env: { ...(ramDir ? { TMPDIR: ramDir } : {}), ROSTER_TEST_STORE: 'postgres' },
					globalSetup: ['tests/server/postgres-global.ts']
				}
			},
			{
				extends: true,
				// A file that weighs the process's memory runs in a process of its own, with nothing left over from other files.
				test: { name: 'memory', include: MEASURES_MEMORY, environment: 'node', setupFiles: ['tests/setup.ts'], testTimeout: 30_000 }
			},
			{
				extends: true,
				test: {
					name: 'multi',
					// Several server processes on one PostgreSQL database (each file starts its own cluster, which a test may restart).
					include: ['tests/multi/**/*.test.ts'],
					environment: 'node',
					setupFiles: ['tests/setup.ts'],
					// Each test starts three server processes: on two cores, one file at a time.
					fileParallelism: false,
					testTimeout: 60_000,
					hookTimeout: 60_000,
					sequence: { groupOrder: 2 }
				}
			},
			{
				extends: true,
				plugins: [svelteTesting()],
				test: { name: 'component', include: ['tests/component/**/*.test.ts', 'tests/client/**/*.test.ts'], environment: 'happy-dom' }
			},
			{
				extends: true,
				test: {
					name: 'e2e',
					include: ['tests/e2e/**/*.test.ts'],
					environment: 'node',
					globalSetup: ['tests/e2e/browser-server.ts'],
					// As in the unit project: the server and Playwright load once, not once per file.
					isolate: false,
					testTimeout: 60_000,
					hookTimeout: 60_000,
					fileParallelism: false,
					// One file at a time (one worker) differs from the other projects' workers: Vitest runs such a project in a group of its own, after them.
					sequence: { groupOrder: 1 }
				}
			}
		]
	}
});
