import type * as Y from 'yjs';
import { observe } from './doc-indexes.ts';
import type { BillingInfo, Card, Invoice } from './schemas.ts';
import type { BillingState } from './state.ts';

/** Layout of an organization's billing document (SPEC §2: read by owners, billing roles and read-only members only). */
export function billingMaps(doc: Y.Doc) {
	return {
		info: doc.getMap<BillingInfo>('info'),
		cards: doc.getMap<Card>('cards'),
		/** 'cardId' → the default card's id (invariant 7: set whenever a card exists). */
		defaults: doc.getMap<string>('defaults'),
		/** invoiceId → Invoice, written by the server's billing run only. */
		invoices: doc.getMap<Invoice>('invoices')
	};
}

export class BillingDocState implements BillingState {
	/** Ids of open invoices, kept by observing the map, so the unpaid balance needs no scan. */
	private readonly open = new Set<string>();

	constructor(readonly doc: Y.Doc) {
		const { invoices } = billingMaps(doc);
		for (const i of invoices.values()) if (i.status === 'open') this.open.add(i.id);
		observe(invoices, (old, now) => {
			if (old) this.open.delete(old.id);
			if (now?.status === 'open') this.open.add(now.id);
		});
	}
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
	invoice(invoiceId: string) {
		return billingMaps(this.doc).invoices.get(invoiceId);
	}
	invoices() {
		return [...billingMaps(this.doc).invoices.values()];
	}
	openInvoices() {
		return [...this.open].flatMap((id) => this.invoice(id) ?? []);
	}
}
