import type { Card } from '$lib/domain/index.ts';

/** One charge: an organization's card, for an invoice's amount in cents. */
export interface ChargeRequest {
	orgId: string;
	invoiceId: string;
	card: Card;
	cents: number;
}

export type ChargeResult = { ok: true } | { ok: false; reason: string };

/** A card processor. Roster holds no card numbers, so a real one charges a token it keeps for the card id. */
export interface PaymentProcessor {
	charge(request: ChargeRequest): Promise<ChargeResult>;
}

/**
 * The processor for development and tests: approves every charge except on the cards
 * it is told to decline, named by card id or last 4 digits (`--decline-cards 0002,4444`).
 */
export class LocalProcessor implements PaymentProcessor {
	readonly declining = new Set<string>();
	/** Every charge asked for, with its answer, in order. */
	readonly charges: (ChargeRequest & { result: ChargeResult })[] = [];

	constructor(decline: Iterable<string> = []) {
		for (const card of decline) this.declining.add(card);
	}

	async charge(request: ChargeRequest): Promise<ChargeResult> {
		const { id, last4 } = request.card;
		const result: ChargeResult =
			this.declining.has(id) || this.declining.has(last4) ? { ok: false, reason: 'The card was declined by its bank.' } : { ok: true };
		this.charges.push({ ...request, result });
		return result;
	}
}
