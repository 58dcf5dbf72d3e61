import { describe, expect, it } from 'vitest';
import { invoiceLines, invoiceTotal, periodBounds, priorPeriod, type Deployment } from '../../src/lib/domain/index.ts';

const at = (iso: string) => Date.parse(`${iso}Z`);
const dep = (id: string, plan: Deployment['plan'], created: string, deleted?: string): Deployment => ({
	id,
	name: id,
	plan,
	status: deleted ? 'deleted' : 'active',
	createdAt: at(created),
	...(deleted ? { deletedAt: at(deleted) } : {})
});

describe('invoice arithmetic (rules §4: plan price × active days)', () => {
	it('months have their own lengths, leap years included', () => {
		expect(periodBounds({ year: 2024, month: 2 }).days).toBe(29);
		expect(periodBounds({ year: 2026, month: 2 }).days).toBe(28);
		expect(periodBounds({ year: 2100, month: 2 }).days).toBe(28);
		expect(periodBounds({ year: 2000, month: 2 }).days).toBe(29);
		expect(periodBounds({ year: 2026, month: 12 })).toEqual({ start: at('2026-12-01T00:00:00'), end: at('2027-01-01T00:00:00'), days: 31 });
	});

	it('the prior month, across a year boundary', () => {
		expect(priorPeriod(at('2027-01-01T00:00:00'))).toEqual({ year: 2026, month: 12 });
		expect(priorPeriod(at('2026-03-31T23:59:59'))).toEqual({ year: 2026, month: 2 });
	});

	it('a whole month costs the plan price; free costs nothing', () => {
		const lines = invoiceLines([dep('a', 'dedicated', '2026-01-15T10:00:00'), dep('b', 'free', '2026-01-01T00:00:00')], {
			year: 2026,
			month: 2
		});
		expect(lines).toEqual([
			{ deploymentId: 'a', name: 'a', plan: 'dedicated', activeDays: 28, cents: 18000 },
			{ deploymentId: 'b', name: 'b', plan: 'free', activeDays: 28, cents: 0 }
		]);
		expect(invoiceTotal(lines)).toBe(18000);
	});

	it('created or deleted mid-month pays for the days it existed, each started day counting', () => {
		const period = { year: 2024, month: 2 };
		const [created] = invoiceLines([dep('c', 'shared', '2024-02-20T18:00:00')], period);
		expect(created).toMatchObject({ activeDays: 10, cents: Math.round((1500 * 10) / 29) });
		const [deleted] = invoiceLines([dep('d', 'dedicated', '2023-12-01T00:00:00', '2024-02-10T09:30:00')], period);
		expect(deleted).toMatchObject({ activeDays: 10, cents: Math.round((18000 * 10) / 29) });
		const [both] = invoiceLines([dep('e', 'shared', '2024-02-03T12:00:00', '2024-02-03T13:00:00')], period);
		expect(both).toMatchObject({ activeDays: 1 });
	});

	it('a deployment outside the period is left out', () => {
		const period = { year: 2026, month: 3 };
		expect(
			invoiceLines(
				[dep('old', 'shared', '2026-01-01T00:00:00', '2026-02-27T00:00:00'), dep('new', 'shared', '2026-04-02T00:00:00')],
				period
			)
		).toEqual([]);
		// Deleted exactly at midnight starting the period: not a day of it.
		expect(invoiceLines([dep('edge', 'shared', '2026-01-01T00:00:00', '2026-03-01T00:00:00')], period)).toEqual([]);
	});
});
