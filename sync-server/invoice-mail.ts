import { PLANS, cardName, formatCents, invoicePeriodLabel, type Invoice } from '$lib/domain/index.ts';
import type { Mail } from './mail.ts';

export const invoiceLink = (origin: string, orgId: string, invoiceId: string) =>
	`${origin}/orgs/${encodeURIComponent(orgId)}/billing/invoices/${encodeURIComponent(invoiceId)}`;

/** An invoice as plain text: one line per deployment, the total, its status, and where to print it. */
export function invoiceMail(to: string, orgName: string, orgId: string, invoice: Invoice, origin: string): Mail {
	const lines = invoice.lines.map(
		(l) =>
			`  ${l.project} / ${l.name} (${PLANS[l.plan].label}, ${l.activeDays} day${l.activeDays === 1 ? '' : 's'}): ${formatCents(l.cents)}`
	);
	const status =
		invoice.status === 'paid'
			? `Paid on ${new Date(invoice.paidAt ?? invoice.issuedAt).toISOString().slice(0, 10)}${invoice.card ? ` with ${cardName(invoice.card)}` : ''}.`
			: 'Unpaid.';
	return {
		orgId,
		to,
		subject: `Roster invoice for ${orgName}: ${invoicePeriodLabel(invoice)}`,
		text: [
			`Invoice ${invoice.id} for ${orgName}, ${invoicePeriodLabel(invoice)}`,
			``,
			...(lines.length ? lines : ['  No deployment was active in this period.']),
			``,
			`Total: ${formatCents(invoice.totalCents)}`,
			status,
			``,
			`View or print it: ${invoiceLink(origin, orgId, invoice.id)}`
		].join('\n')
	};
}

/** Tells the billing address that invoices stay unpaid: every card declined, or none on file. */
export function chargeFailedMail(
	to: string,
	orgName: string,
	orgId: string,
	invoices: readonly Invoice[],
	noCard: boolean,
	origin: string
): Mail {
	const total = invoices.reduce((sum, i) => sum + i.totalCents, 0);
	return {
		orgId,
		to,
		subject: `Roster could not charge ${orgName}: ${formatCents(total)} unpaid`,
		text: [
			`Hello,`,
			``,
			noCard
				? `${orgName} has no card on file, so Roster could not charge these invoices:`
				: `Every card on file for ${orgName} was declined for these invoices:`,
			...invoices.map((i) => `  ${i.id} (${invoicePeriodLabel(i)}): ${formatCents(i.totalCents)} — ${invoiceLink(origin, orgId, i.id)}`),
			``,
			`Add a card on the billing page and Roster tries again at once:`,
			`${origin}/orgs/${encodeURIComponent(orgId)}/billing`
		].join('\n')
	};
}
