import { afterAll, vi } from 'vitest';

// Test files of the unit project share their worker's modules (isolate: false, so the server's
// modules load once per worker, not once per file): what must hold for every file is set here.

// Counts scrypt runs (see server/scrypt-runs.ts); the wrapper delegates, so nothing else changes.
vi.mock('node:crypto', async (original) => {
	const crypto = await original<typeof import('node:crypto')>();
	const { scryptRuns } = await import('./server/scrypt-runs.ts');
	const scrypt = (...args: Parameters<typeof crypto.scrypt>) => {
		scryptRuns.count++;
		return crypto.scrypt(...args);
	};
	return { ...crypto, default: { ...crypto, scrypt }, scrypt };
});

// A spy a file leaves in place (on console, say) does not reach the next file.
afterAll(() => {
	vi.restoreAllMocks();
});
