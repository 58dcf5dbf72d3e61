import { z } from 'zod';
import { cardExpired, cardName } from '../cards.ts';
import { refuse } from '../refusals.ts';
import { BillingInfo, CardBrand, CardHolder } from '../billing-schemas.ts';
import { Id } from '../schemas.ts';
import type { BillingState, Change } from '../state.ts';
import { accept } from '../verdict.ts';
import { defineMutation } from './define.ts';

const NO_CARD = refuse('CARD_NOT_FOUND', 'That card is not on file (it may have just been removed).');

/** Invariant 7: the most recently added card left, which becomes the default when the default goes. */
function newestExcept(billing: BillingState, cardId: string): string | null {
	const rest = billing.cards().filter((c) => c.id !== cardId);
	rest.sort((a, b) => b.addedAt - a.addedAt || (a.id < b.id ? 1 : -1));
	return rest[0]?.id ?? null;
}

/** Cards and billing info (rules §3 invariant 7); updating a card is removing it and adding it again. */
export const BILLING_MUTATIONS = [
	// Sent by the server's card route only, after checking the number: it never holds the number.
	defineMutation('card.add', {
		fields: {
			cardId: Id,
			brand: CardBrand,
			last4: z.string().regex(/^\d{4}$/),
			expMonth: z.number().int().min(1).max(12),
			expYear: z.number().int().min(2000).max(2100),
			holder: CardHolder
		},
		access: 'billing.manage',
		sensitive: true,
		serverOnly: 'Cards are added through the card form, which checks the number; a mutation never carries one.',
		check: (state, ctx, m) => {
			const billing = state.billing();
			if (billing.card(m.cardId)) return refuse('CARD_EXISTS', 'A card with this id is already on file.');
			if (cardExpired(m, ctx.now)) return refuse('CARD_EXPIRED', `That card expired at the end of ${m.expMonth}/${m.expYear}.`);
			const { cardId: id, brand, last4, expMonth, expYear, holder } = m;
			const changes: Change[] = [{ kind: 'card.put', card: { id, brand, last4, expMonth, expYear, holder, addedAt: ctx.now } }];
			// The first card becomes the default.
			if (!billing.defaultCardId()) changes.push({ kind: 'card.default', cardId: id });
			return accept(...changes);
		},
		describe: (m) => `Add ${cardName(m)}`
	}),

	defineMutation('card.setDefault', {
		fields: { cardId: Id },
		access: 'billing.manage',
		sensitive: true,
		check: (state, _c, m) => {
			if (!state.billing().card(m.cardId)) return NO_CARD;
			return accept({ kind: 'card.default', cardId: m.cardId });
		},
		describe: () => 'Make a card the default'
	}),

	defineMutation('card.remove', {
		fields: { cardId: Id },
		access: 'billing.manage',
		sensitive: true,
		check: (state, _c, m) => {
			const billing = state.billing();
			if (!billing.card(m.cardId)) return NO_CARD;
			const changes: Change[] = [{ kind: 'card.delete', cardId: m.cardId }];
			if (billing.defaultCardId() === m.cardId) changes.push({ kind: 'card.default', cardId: newestExcept(billing, m.cardId) });
			return accept(...changes);
		},
		describe: () => 'Remove a card'
	}),

	defineMutation('billing.setInfo', {
		fields: BillingInfo.shape,
		access: 'billing.manage',
		sensitive: true,
		check: (_s, _c, m) => {
			const { billingEmail, company, address, vatId } = m;
			return accept({ kind: 'billing.put', info: { billingEmail, company, address, vatId } });
		},
		describe: () => 'Update the billing details'
	})
] as const;
