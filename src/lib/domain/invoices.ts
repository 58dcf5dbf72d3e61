import { PLANS } from './plans.ts';
import type { InvoiceLine } from './billing-schemas.ts';
import type { Deployment } from './schemas.ts';

const DAY_MS = 24 * 3600 * 1000;

/** A calendar month in UTC, as invoices are cut: `month` is 1–12. */
export interface Period {
	year: number;
	month: number;
}

export function periodBounds({ year, month }: Period): { start: number; end: number; days: number } {
	const start = Date.UTC(year, month - 1, 1);
	const end = Date.UTC(year, month, 1);
	return { start, end, days: Math.round((end - start) / DAY_MS) };
}

/** The month `at` falls in. */
export function periodOf(at: number): Period {
	const d = new Date(at);
	return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 };
}

/** `2026-03`: an invoice's id is its period, so a month is invoiced once. */
export function periodKey({ year, month }: Period): string {
	return `${year}-${String(month).padStart(2, '0')}`;
}

/** The month before the one `now` falls in: what a monthly invoice covers. */
export function priorPeriod(now: number): Period {
	const d = new Date(now);
	const month = d.getUTCMonth();
	return month === 0 ? { year: d.getUTCFullYear() - 1, month: 12 } : { year: d.getUTCFullYear(), month };
}

/** An invoice line before its project is named. Active days: any part of a UTC day counts as the day. */
export type DeploymentCharge = Omit<InvoiceLine, 'projectId' | 'project'>;

/**
 * rules §4: one line per deployment active in the period, priced at plan price × active
 * days / days in the month, rounded to the cent. A deployment created or deleted
 * mid-month pays for the days it existed; one outside the period is left out.
 * `until` cuts the month short (a closing organization's final invoice), its day included.
 */
export function invoiceLines(deployments: readonly Deployment[], period: Period, until?: number): DeploymentCharge[] {
	const { start, end: monthEnd, days } = periodBounds(period);
	const end = until === undefined ? monthEnd : Math.min(monthEnd, Math.ceil(until / DAY_MS) * DAY_MS);
	return deployments.flatMap((d) => {
		const from = Math.max(start, Math.floor(d.createdAt / DAY_MS) * DAY_MS);
		const until = Math.min(end, d.deletedAt === undefined ? end : Math.ceil(d.deletedAt / DAY_MS) * DAY_MS);
		const activeDays = Math.max(0, Math.round((until - from) / DAY_MS));
		if (activeDays === 0) return [];
		const cents = Math.round((PLANS[d.plan].monthlyCents * activeDays) / days);
		return [{ deploymentId: d.id, name: d.name, plan: d.plan, activeDays, cents }];
	});
}

export function invoiceTotal(lines: readonly { cents: number }[]): number {
	return lines.reduce((sum, l) => sum + l.cents, 0);
}

/** "September 2026", or for a final invoice "November 2023, to 14 November (final)": what mail and pages call an invoice. */
export function invoicePeriodLabel(invoice: { period: { start: number; end: number }; final: boolean }): string {
	const utc = (at: number, options: Intl.DateTimeFormatOptions) => new Date(at).toLocaleString('en-GB', { ...options, timeZone: 'UTC' });
	const month = utc(invoice.period.start, { month: 'long', year: 'numeric' });
	return invoice.final ? `${month}, to ${utc(invoice.period.end, { day: 'numeric', month: 'long' })} (final)` : month;
}
