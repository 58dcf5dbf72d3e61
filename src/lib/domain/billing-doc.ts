import type * as Y from 'yjs';
import type { BillingInfo, Card } from './schemas.ts';
import type { BillingState } from './state.ts';

/** Layout of an organization's billing document (SPEC §2: read by owners, billing roles and read-only members only). */
export function billingMaps(doc: Y.Doc) {
	return {
		info: doc.getMap<BillingInfo>('info'),
		cards: doc.getMap<Card>('cards'),
		/** 'cardId' → the default card's id (invariant 7: set whenever a card exists). */
		defaults: doc.getMap<string>('defaults')
	};
}

export class BillingDocState implements BillingState {
	constructor(readonly doc: Y.Doc) {}
	info() {
		return billingMaps(this.doc).info.get('info');
	}
	card(cardId: string) {
		return billingMaps(this.doc).cards.get(cardId);
	}
	/** An organization holds a few cards: listing them is bounded by the organization's cards, not its size. */
	cards() {
		return [...billingMaps(this.doc).cards.values()];
	}
	defaultCardId() {
		return billingMaps(this.doc).defaults.get('cardId');
	}
}
