import type { Plan } from './schemas.ts';

/** rules §1 plans with their monthly price as data; invoices charge price × active days / days in the month. */
export const PLANS: Record<Plan, { label: string; monthlyCents: number; summary: string }> = {
	free: { label: 'Free', monthlyCents: 0, summary: 'Shared sandbox, for trying things out' },
	shared: { label: 'Shared', monthlyCents: 1500, summary: 'Shared cluster with backups' },
	dedicated: { label: 'Dedicated', monthlyCents: 18000, summary: 'Dedicated cluster' }
};

export function formatCents(cents: number): string {
	return `$${(cents / 100).toFixed(2)}`;
}
