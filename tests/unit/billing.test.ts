import { describe, expect, it } from 'vitest';
import { cardFromEntry, luhnValid } from '../../src/lib/domain/index.ts';
import { NOW, assertInvariants, expectAccepted, expectRefused, orgWith } from './factories.ts';

const entry = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2099, cvc: '123', holder: 'Ann Example' };

describe('card entry (rules §1: checked, never kept)', () => {
	it('keeps only brand, last 4, expiry and holder of a valid number', () => {
		const result = cardFromEntry(entry, 'c-1', NOW);
		expect(result).toEqual({
			ok: true,
			card: { id: 'c-1', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2099, holder: 'Ann Example', addedAt: NOW }
		});
		expect(JSON.stringify(result)).not.toContain('4242424242424242');
		expect(JSON.stringify(result)).not.toContain('123');
		expect(cardFromEntry({ ...entry, number: '5555-5555-5555-4444' }, 'c-2', NOW)).toMatchObject({ card: { brand: 'mastercard' } });
	});

	it('refuses a number failing Luhn, a bad CVC, and a past expiry; this month still works', () => {
		expect(luhnValid('4242424242424241')).toBe(false);
		expect(cardFromEntry({ ...entry, number: '4242 4242 4242 4241' }, 'c', NOW)).toMatchObject({ ok: false, code: 'CARD_INVALID' });
		expect(cardFromEntry({ ...entry, cvc: '12' }, 'c', NOW)).toMatchObject({ ok: false, code: 'CARD_INVALID' });
		expect(cardFromEntry({ ...entry, number: 'abc' }, 'c', NOW)).toMatchObject({ ok: false, code: 'CARD_INVALID' });
		const now = new Date(NOW);
		const thisMonth = { expMonth: now.getUTCMonth() + 1, expYear: now.getUTCFullYear() };
		expect(cardFromEntry({ ...entry, ...thisMonth }, 'c', NOW).ok).toBe(true);
		const lastYear = { expMonth: 12, expYear: now.getUTCFullYear() - 1 };
		expect(cardFromEntry({ ...entry, ...lastYear }, 'c', NOW)).toMatchObject({ ok: false, code: 'CARD_EXPIRED' });
		expect(cardFromEntry(null, 'c', NOW)).toMatchObject({ ok: false, code: 'CARD_INVALID' });
	});
});

describe('cards (invariant 7)', () => {
	const org = (cards: string[] = []) =>
		orgWith({
			primaryAdmin: 'ann',
			members: [
				{ username: 'ann', role: 'ORG_OWNER' },
				{ username: 'bea', role: 'ORG_BILLING_ADMIN' }
			],
			cards
		});
	const add = (cardId: string) =>
		({ type: 'card.add', cardId, brand: 'visa', last4: '4242', expMonth: 12, expYear: 2099, holder: 'Acme' }) as const;

	it('the first card becomes the default; later ones do not', () => {
		const fx = org();
		expectAccepted(fx.run('bea', add('c-1')));
		expect(fx.state.billing().defaultCardId()).toBe('c-1');
		expectAccepted(fx.run('bea', add('c-2')));
		expect(fx.state.billing().defaultCardId()).toBe('c-1');
		expectRefused(fx.check('bea', add('c-2')), 'CARD_EXISTS');
		assertInvariants(fx.state);
	});

	it('removing the default promotes the most recently added remaining card; removing the last leaves none', () => {
		const fx = org(['c-1', 'c-2', 'c-3']);
		expectAccepted(fx.run('ann', { type: 'card.setDefault', cardId: 'c-2' }));
		expectAccepted(fx.run('ann', { type: 'card.remove', cardId: 'c-1' }));
		expect(fx.state.billing().defaultCardId()).toBe('c-2');
		expectAccepted(fx.run('ann', { type: 'card.remove', cardId: 'c-2' }));
		expect(fx.state.billing().defaultCardId()).toBe('c-3');
		expectAccepted(fx.run('ann', { type: 'card.remove', cardId: 'c-3' }));
		expect(fx.state.billing().defaultCardId()).toBeUndefined();
		expectRefused(fx.check('ann', { type: 'card.remove', cardId: 'c-3' }), 'CARD_NOT_FOUND');
		expectRefused(fx.check('ann', { type: 'card.setDefault', cardId: 'c-3' }), 'CARD_NOT_FOUND');
		assertInvariants(fx.state);
	});

	it('an expired card is refused even when sent directly', () => {
		expectRefused(org().check('ann', { ...add('c-1'), expYear: 2001 }), 'CARD_EXPIRED');
	});
});
