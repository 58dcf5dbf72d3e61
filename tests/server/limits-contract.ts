import { describe, expect, it } from 'vitest';
import { takeAll, type Limits } from '../../sync-server/limits.ts';

/**
 * What every implementation of the limits must do: a test file per implementation calls this
 * with a way to make two servers' limits over one fresh store (for memory, one process: the
 * same limits twice).
 */
export function limitsContract(name: string, open: () => Promise<{ a: Limits; b: Limits; close(): Promise<void> | void }>) {
	const withLimits = (test: (a: Limits, b: Limits) => Promise<void>) => async () => {
		const opened = await open();
		try {
			await test(opened.a, opened.b);
		} finally {
			await opened.close();
		}
	};
	const WINDOW = 60_000;

	describe(`${name} limits`, () => {
		it(
			'counts in fixed windows: refused at the max until the window ends, then counted afresh',
			withLimits(async (a, b) => {
				const [one, other] = [a.limiter('test', 3, WINDOW), b.limiter('test', 3, WINDOW)];
				for (const at of [1000, 2000]) await one.count('k', at);
				await other.count('k', 3000);
				expect(await one.countOf('k', 4000)).toBe(3);
				expect(await other.retryAfter('k', 4000)).toBe(1000 + WINDOW - 4000);
				expect(await one.take('k', 4000)).toBe(1000 + WINDOW - 4000);
				expect(await other.countOf('k', 4000)).toBe(3);
				expect(await one.retryAfter('other key', 4000)).toBe(0);
				expect(await other.retryAfter('k', 1000 + WINDOW)).toBe(0);
				expect(await other.take('k', 1000 + WINDOW)).toBe(0);
				expect(await one.countOf('k', 1000 + WINDOW)).toBe(1);
			})
		);

		it(
			'keeps each named limiter apart, and forgives and clears',
			withLimits(async (a, b) => {
				const sender = a.limiter('sender', 2, WINDOW);
				await sender.count('u1', 1);
				await sender.count('u1', 1);
				expect(await b.limiter('recipient', 2, WINDOW).countOf('u1', 2)).toBe(0);
				await b.limiter('sender', 2, WINDOW).forgive('u1');
				expect(await sender.countOf('u1', 2)).toBe(1);
				expect(await sender.take('u1', 2)).toBe(0);
				await b.limiter('sender', 2, WINDOW).clear('u1');
				expect(await sender.countOf('u1', 3)).toBe(0);
			})
		);

		it(
			'takes on several limiters or on none',
			withLimits(async (a, b) => {
				const [sender, recipient] = [a.limiter('sender', 5, WINDOW), b.limiter('recipient', 1, WINDOW)];
				expect(await takeAll(1, [sender, 'u1'], [recipient, 'x@example.org'])).toBeUndefined();
				expect(await takeAll(2, [sender, 'u1'], [recipient, 'x@example.org'])).toEqual({ index: 1, wait: WINDOW - 1 });
				expect(await sender.countOf('u1', 3)).toBe(1);
			})
		);

		it(
			'loses no count when both servers count at once, and lets no more than the max take',
			withLimits(async (a, b) => {
				const [one, other] = [a.limiter('race', 10, WINDOW), b.limiter('race', 10, WINDOW)];
				await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one : other).count('counted', 5)));
				expect(await other.countOf('counted', 6)).toBe(40);
				const waits = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? one : other).take('taken', 5)));
				expect(waits.filter((w) => w === 0).length).toBe(10);
				expect(await one.countOf('taken', 6)).toBe(10);
			})
		);

		it(
			'runs a job where nobody else holds its lock, refuses it while another does, and releases it after an error',
			withLimits(async (a, b) => {
				let release!: () => void;
				const held = new Promise<void>((resolve) => (release = resolve));
				let started!: () => void;
				const running = new Promise<void>((resolve) => (started = resolve));
				const first = a.jobs.tryRun('billing:acme', async () => {
					started();
					await held;
				});
				await running;
				const ran: string[] = [];
				expect(await b.jobs.tryRun('billing:acme', async () => void ran.push('acme'))).toBe(false);
				expect(await b.jobs.tryRun('billing:other', async () => void ran.push('other'))).toBe(true);
				release();
				expect(await first).toBe(true);
				await expect(
					b.jobs.tryRun('billing:acme', async () => {
						throw new Error('the processor failed');
					})
				).rejects.toThrow('the processor failed');
				expect(await a.jobs.tryRun('billing:acme', async () => void ran.push('acme'))).toBe(true);
				expect(ran).toEqual(['other', 'acme']);
			})
		);
	});
}
