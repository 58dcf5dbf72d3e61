import { cardExpired } from './cards.ts';
import { refuse } from './refusals.ts';
import type { BillingState, Change } from './state.ts';
import { accept, type Handler } from './verdict.ts';

type BillingType = 'card.add' | 'card.setDefault' | 'card.remove' | 'billing.setInfo';

const NO_CARD = refuse('CARD_NOT_FOUND', 'That card is not on file (it may have just been removed).');

/** Invariant 7: the most recently added card left, which becomes the default when the default goes. */
function newestExcept(billing: BillingState, cardId: string): string | null {
	const rest = billing.cards().filter((c) => c.id !== cardId);
	rest.sort((a, b) => b.addedAt - a.addedAt || (a.id < b.id ? 1 : -1));
	return rest[0]?.id ?? null;
}

/** Cards and billing info (SPEC §3 invariant 7); updating a card is removing it and adding it again. */
export const BILLING_HANDLERS: { [T in BillingType]: Handler<T> } = {
	'card.add': (state, ctx, m) => {
		const billing = state.billing();
		if (billing.card(m.cardId)) return refuse('CARD_EXISTS', 'A card with this id is already on file.');
		if (cardExpired(m, ctx.now)) return refuse('CARD_EXPIRED', `That card expired at the end of ${m.expMonth}/${m.expYear}.`);
		const { cardId: id, brand, last4, expMonth, expYear, holder } = m;
		const changes: Change[] = [{ kind: 'card.put', card: { id, brand, last4, expMonth, expYear, holder, addedAt: ctx.now } }];
		// The first card becomes the default.
		if (!billing.defaultCardId()) changes.push({ kind: 'card.default', cardId: id });
		return accept(...changes);
	},

	'card.setDefault': (state, _c, m) => {
		if (!state.billing().card(m.cardId)) return NO_CARD;
		return accept({ kind: 'card.default', cardId: m.cardId });
	},

	'card.remove': (state, _c, m) => {
		const billing = state.billing();
		if (!billing.card(m.cardId)) return NO_CARD;
		const changes: Change[] = [{ kind: 'card.delete', cardId: m.cardId }];
		if (billing.defaultCardId() === m.cardId) changes.push({ kind: 'card.default', cardId: newestExcept(billing, m.cardId) });
		return accept(...changes);
	},

	'billing.setInfo': (_s, _c, m) => {
		const { billingEmail, company, address, vatId } = m;
		return accept({ kind: 'billing.put', info: { billingEmail, company, address, vatId } });
	}
};
