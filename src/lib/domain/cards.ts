import { z } from 'zod';
import { issueSentences } from './issue-words.ts';
import { refuse, type Refusal } from './refusals.ts';
import { CardHolder, type Card, type CardBrand } from './billing-schemas.ts';
import { unknownFields } from './text.ts';

/** The Luhn checksum every card number carries. */
export function luhnValid(digits: string): boolean {
	let sum = 0;
	for (let i = 0; i < digits.length; i++) {
		let d = Number(digits[digits.length - 1 - i]);
		if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
		sum += d;
	}
	return digits.length >= 12 && sum % 10 === 0;
}

/** Brands as people write them. */
export const CARD_BRAND_NAMES: Record<CardBrand, string> = {
	visa: 'Visa',
	mastercard: 'Mastercard',
	amex: 'American Express',
	discover: 'Discover',
	other: 'other'
};

/** "the Visa card ending 4242", as a sentence names a card. */
export function cardName(card: { brand: CardBrand; last4: string }): string {
	return `the ${CARD_BRAND_NAMES[card.brand]} card ending ${card.last4}`;
}

export function cardBrand(digits: string): CardBrand {
	if (/^4/.test(digits)) return 'visa';
	if (/^(5[1-5]|2[2-7])/.test(digits)) return 'mastercard';
	if (/^3[47]/.test(digits)) return 'amex';
	if (/^6(011|5)/.test(digits)) return 'discover';
	return 'other';
}

/** What the card form sends (nothing else): checked here, then reduced to a Card; the number and CVC go no further. */
export const CardEntry = z.strictObject({
	number: z
		.string()
		.max(30)
		.transform((s) => s.replace(/[\s-]/g, ''))
		.pipe(
			z
				.string()
				.regex(/^\d{12,19}$/, 'A card number is 12 to 19 digits')
				.refine(luhnValid, 'That card number is not valid: check the digits')
		),
	expMonth: z.coerce
		.number({ error: 'The expiry month is a number from 1 to 12' })
		.int('The expiry month is a number from 1 to 12')
		.min(1, 'The expiry month is a number from 1 to 12')
		.max(12, 'The expiry month is a number from 1 to 12'),
	// As printed on the card: "27" is 2027.
	expYear: z.coerce
		.number({ error: 'The expiry year is a year such as 2030 or 30' })
		.int('The expiry year is a year such as 2030 or 30')
		.transform((y) => (y >= 0 && y < 100 ? 2000 + y : y))
		.pipe(z.number().min(2000, 'The expiry year is a year such as 2030 or 30').max(2100, 'The expiry year is a year such as 2030 or 30')),
	cvc: z.string().regex(/^\d{3,4}$/, 'The security code is 3 or 4 digits'),
	holder: CardHolder
});
export type CardEntry = z.input<typeof CardEntry>;

/** A card is usable through the last day of its expiry month. */
export function cardExpired(card: { expMonth: number; expYear: number }, now: number): boolean {
	const d = new Date(now);
	return card.expYear < d.getUTCFullYear() || (card.expYear === d.getUTCFullYear() && card.expMonth < d.getUTCMonth() + 1);
}

/** rules §1: the number is checked (Luhn) and the expiry must be in the future; only brand, last 4, expiry and holder are kept. */
export function cardFromEntry(input: unknown, id: string, now: number): { ok: true; card: Card } | Refusal {
	const parsed = CardEntry.safeParse(input);
	if (!parsed.success) {
		const unknown = unknownFields(parsed.error);
		return refuse('CARD_INVALID', unknown ? `${unknown} in a card.` : issueSentences(parsed.error));
	}
	const { number, expMonth, expYear, holder } = parsed.data;
	if (cardExpired({ expMonth, expYear }, now)) return refuse('CARD_EXPIRED', `That card expired at the end of ${expMonth}/${expYear}.`);
	return { ok: true, card: { id, brand: cardBrand(number), last4: number.slice(-4), expMonth, expYear, holder, addedAt: now } };
}
