import { describe, expect, it } from 'vitest';
import type { DocumentsUnderTest } from './storage-log-contract.ts';

/** rules §6: each organization's next expiry moment, as the expiry run asks for the organizations due. */
export function expiryDueContract(name: string, open: () => Promise<DocumentsUnderTest>) {
	describe(`documents store contract, expiry moments: ${name}`, () => {
		it('answers the organizations due by a moment, earliest first, and keeps the write of the highest sequence', async () => {
			const { store, close } = await open();
			try {
				expect(await store.expiryDueBy(Number.MAX_SAFE_INTEGER)).toEqual([]);
				await store.keepExpiryDue('a', 300, 5);
				await store.keepExpiryDue('b', 100, 2);
				await store.keepExpiryDue('c', null, 7);
				expect(await store.expiryDueBy(99)).toEqual([]);
				expect(await store.expiryDueBy(300)).toEqual(['b', 'a']);
				// A late write of an older state (or the same one) changes nothing; a newer one replaces it.
				await store.keepExpiryDue('a', 50, 4);
				await store.keepExpiryDue('a', 50, 5);
				expect(await store.expiryDueBy(100)).toEqual(['b']);
				await store.keepExpiryDue('b', null, 3);
				await store.keepExpiryDue('c', 200, 8);
				expect(await store.expiryDueBy(Number.MAX_SAFE_INTEGER)).toEqual(['c', 'a']);
			} finally {
				await close();
			}
		});

		it('is marked filled once, for good', async () => {
			const { store, close } = await open();
			try {
				expect(await store.expiryDueFilled()).toBe(false);
				await store.markExpiryDueFilled();
				await store.markExpiryDueFilled();
				expect(await store.expiryDueFilled()).toBe(true);
			} finally {
				await close();
			}
		});
	});
}
