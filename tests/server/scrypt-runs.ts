/**
 * How many times scrypt has run in this worker: the unit project's set-up (tests/setup.ts) wraps
 * node:crypto's scrypt to count, so a test can show two paths do the same hashing work without timing
 * them. One counter per worker process, kept on globalThis because test files share the worker.
 */
export const scryptRuns: { count: number } = ((globalThis as { rosterScryptRuns?: { count: number } }).rosterScryptRuns ??= { count: 0 });
