import { effectiveContact } from './contacts.ts';
import { invoiceLines, invoiceTotal, periodBounds, periodKey, periodOf, priorPeriod, type Period } from './invoices.ts';
import type { Card, ChargeAttempt, Invoice, InvoiceLine } from './billing-schemas.ts';
import type { Organization } from './schemas.ts';
import type { BillingState, Change, OrgState } from './state.ts';

/** What the billing run reads of an organization: its state and every project in it. */
export type InvoicingState = OrgState & { projectIds(): string[] };

/** Charge attempts kept on an invoice: the latest ones tell the story, and a document stays small. */
const ATTEMPTS_KEPT = 20;

/** Lines for every deployment of every project (deleted ones included) that was active in the period. */
function linesFor(state: InvoicingState, period: Period, until?: number): InvoiceLine[] {
	return state.projectIds().flatMap((projectId) => {
		const project = state.project(projectId);
		const meta = project?.project();
		if (!project || !meta) return [];
		return invoiceLines(project.deployments(), period, until).map((l) => ({ projectId, project: meta.name, ...l }));
	});
}

function invoiceOf(id: string, period: Period, lines: InvoiceLine[], now: number, final: boolean, until?: number): Invoice {
	const { start, end } = periodBounds(period);
	const totalCents = invoiceTotal(lines);
	// Nothing to charge is paid already (a free deployment, or an empty final invoice).
	const settled = totalCents === 0 ? { status: 'paid' as const, paidAt: now } : { status: 'open' as const };
	return { id, period: { start, end: until ?? end }, final, lines, totalCents, issuedAt: now, attempts: [], ...settled };
}

/** When a closing organization asked to close (an organization written without the moment counts from its creation). */
const closingMoment = (org: Organization) => org.closingAt ?? org.createdAt;

export const finalInvoiceId = (closingAt: number) => `${periodKey(periodOf(closingAt))}-final`;

/**
 * The invoices due now that are not issued yet (rules §4): the prior month's, if any
 * deployment was active in it; and for a closing organization its final invoice, the
 * month up to the closing moment, issued even when empty (invariant 8). Ids are the
 * periods, so a second run issues nothing.
 */
export function dueInvoices(state: InvoicingState, now: number): Invoice[] {
	const org = state.org();
	if (!org || org.status === 'closed') return [];
	const billing = state.billing();
	const closingAt = org.status === 'closing' ? closingMoment(org) : undefined;
	const due: Invoice[] = [];
	const prior = priorPeriod(closingAt ?? now);
	if (!billing.invoice(periodKey(prior))) {
		const lines = linesFor(state, prior);
		if (lines.length) due.push(invoiceOf(periodKey(prior), prior, lines, now, false));
	}
	if (closingAt !== undefined && !billing.invoice(finalInvoiceId(closingAt))) {
		const month = periodOf(closingAt);
		due.push(invoiceOf(finalInvoiceId(closingAt), month, linesFor(state, month, closingAt), now, true, closingAt));
	}
	return due;
}

/** The unpaid balance: the sum of open invoices. */
export function unpaidCents(billing: BillingState): number {
	return invoiceTotal(billing.openInvoices().map((i) => ({ cents: i.totalCents })));
}

/** The cards to try, in order: the default, then the others most recently added first (the mLab FAQ). */
export function chargeOrder(billing: BillingState): Card[] {
	const defaultId = billing.defaultCardId();
	return billing.cards().sort((a, b) => +(b.id === defaultId) - +(a.id === defaultId) || b.addedAt - a.addedAt || (a.id < b.id ? 1 : -1));
}

const withAttempt = (invoice: Invoice, attempt: ChargeAttempt) => [...invoice.attempts, attempt].slice(-ATTEMPTS_KEPT);

/** An invoice after one charge attempt: paid by this card, or still open with the decline on record. */
export function afterCharge(invoice: Invoice, card: Card, result: { ok: true } | { ok: false; reason: string }, at: number): Invoice {
	const ref = { brand: card.brand, last4: card.last4 };
	if (result.ok)
		return { ...invoice, status: 'paid', paidAt: at, card: ref, attempts: withAttempt(invoice, { at, card: ref, outcome: 'paid' }) };
	return { ...invoice, attempts: withAttempt(invoice, { at, card: ref, outcome: 'declined', reason: result.reason.slice(0, 200) }) };
}

/** With no card on file the attempt says so, and the next run does not try (and mail) again; adding a card does. */
export function withoutCard(invoice: Invoice, at: number): Invoice {
	return { ...invoice, attempts: withAttempt(invoice, { at, outcome: 'declined', reason: 'No card was on file.' }) };
}

/** What a run charges: everything open when closing (the last chance), else what no charge was tried on yet. */
export function toCharge(state: OrgState): Invoice[] {
	const open = state.billing().openInvoices();
	return state.org()?.status === 'closing' ? open : open.filter((i) => i.attempts.length === 0);
}

/** Invariant 8: a closing organization closes once its final invoice is issued. */
export function closeWhenFinalIssued(state: OrgState): Change[] {
	const org = state.org();
	if (org?.status !== 'closing' || !state.billing().invoice(finalInvoiceId(closingMoment(org)))) return [];
	return [{ kind: 'org.put', org: { ...org, status: 'closed' } }];
}

/** Where billing mail goes: the billing email if set, else the billing contact (which falls back to the primary admin). */
export function billingAddress(state: OrgState): string | undefined {
	return state.billing().info()?.billingEmail ?? effectiveContact(state, 'billing')?.email;
}
