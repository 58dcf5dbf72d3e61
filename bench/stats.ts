/** Latency summaries for the bench. Values are milliseconds; a lost message counts as Infinity. */

export interface Summary {
	count: number;
	p50: number;
	p95: number;
	p99: number;
	max: number;
	mean: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
	if (sorted.length === 0) return NaN;
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(values: readonly number[]): Summary {
	const sorted = [...values].sort((a, b) => a - b);
	const finite = sorted.filter(Number.isFinite);
	return {
		count: sorted.length,
		p50: percentile(sorted, 50),
		p95: percentile(sorted, 95),
		p99: percentile(sorted, 99),
		max: sorted.length ? sorted[sorted.length - 1]! : NaN,
		mean: finite.length ? finite.reduce((s, v) => s + v, 0) / finite.length : NaN
	};
}

/** A millisecond figure for a table cell. */
export function ms(v: number): string {
	if (Number.isNaN(v)) return '-';
	if (!Number.isFinite(v)) return 'lost';
	return v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);
}

/** A share of one core for a table cell. */
export const pct = (v: number | undefined) => (v === undefined ? '-' : `${Math.round(v * 100)}%`);

/** The p50, p99 and max cells of a latency summary. */
export const latencyCells = (s: Summary) => [ms(s.p50), ms(s.p99), ms(s.max)];
