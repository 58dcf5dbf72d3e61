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
					exclude: MEASURES_MEMORY,
					environment: 'node',
					// Files share their worker's modules: the server loads once per worker instead of once per file
					// (most of this project's time). What every file needs is in the set-up file.
					isolate: false,
					setupFiles: ['tests/setup.ts'],
					// A timeout catches a hang, not slowness: a shared machine may run several times slower than a quiet one.
					testTimeout: 30_000,
					hookTimeout: 30_000
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
