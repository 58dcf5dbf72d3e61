import { z } from 'zod';
import { Email, Id, Plan } from './schemas.ts';
import { humanText } from './text.ts';

/* The billing document's rows (rules §1 billing, §4): cards, billing info and invoices. */

/** rules §1 billing: what is kept of a card (never its number or CVC). */
export const CardBrand = z.enum(['visa', 'mastercard', 'amex', 'discover', 'other']);
export type CardBrand = z.infer<typeof CardBrand>;
export const CardHolder = humanText('The name on the card', 100);
export const Card = z.object({
	id: Id,
	brand: CardBrand,
	last4: z.string().regex(/^\d{4}$/),
	expMonth: z.number().int().min(1).max(12),
	expYear: z.number().int().min(2000).max(2100),
	holder: CardHolder,
	addedAt: z.number()
});
export type Card = z.infer<typeof Card>;

/** Billing email and organization info for invoices; an unset billing email falls back to the billing contact. */
export const BillingInfo = z.object({
	billingEmail: Email.nullable(),
	company: humanText('A company name', 100, { required: false }),
	address: humanText('An address', 300, { required: false }),
	vatId: humanText('A VAT id', 32, { required: false })
});
export type BillingInfo = z.infer<typeof BillingInfo>;

/** A card as an invoice names it: brand and last 4 digits only. */
export const CardRef = Card.pick({ brand: true, last4: true });
export type CardRef = z.infer<typeof CardRef>;

/** rules §4: one line per deployment active in the period, at plan price × active days ÷ days in the month. */
export const InvoiceLine = z.object({
	projectId: Id,
	project: z.string().max(64),
	deploymentId: Id,
	name: z.string().max(64),
	plan: Plan,
	activeDays: z.number().int().min(1).max(31),
	cents: z.number().int().min(0)
});
export type InvoiceLine = z.infer<typeof InvoiceLine>;

/** One try at charging a card for an invoice; without a card, the note that none was on file. */
export const ChargeAttempt = z.object({
	at: z.number(),
	card: CardRef.optional(),
	outcome: z.enum(['paid', 'declined']),
	reason: z.string().max(200).optional()
});
export type ChargeAttempt = z.infer<typeof ChargeAttempt>;

/**
 * An invoice, issued by the server: the id names its period (`2026-10`, or `2026-11-final`
 * for the final invoice of a closing organization), so issuing it twice is impossible.
 */
export const Invoice = z.object({
	id: Id,
	/** [start, end) in UTC: a calendar month, or for a final invoice its month up to the closing moment. */
	period: z.object({ start: z.number(), end: z.number() }),
	final: z.boolean(),
	lines: z.array(InvoiceLine),
	totalCents: z.number().int().min(0),
	status: z.enum(['open', 'paid']),
	issuedAt: z.number(),
	paidAt: z.number().optional(),
	/** The card that paid it. */
	card: CardRef.optional(),
	/** The latest charge attempts, oldest first. */
	attempts: z.array(ChargeAttempt)
});
export type Invoice = z.infer<typeof Invoice>;
