import { expiryDay, ORG_ROLES, PROJECT_ROLES, type StoredExpiry } from '$lib/domain/index.ts';

/** rules §6 in the console: "until 1 March 2027, then Read Only" (days in UTC, as the server applies them). */
export function expiryWords(expiry: StoredExpiry): string {
	const then = expiry.then;
	const fallBack =
		typeof then === 'string' && then in ORG_ROLES
			? `, then ${ORG_ROLES[then as keyof typeof ORG_ROLES].label}`
			: Array.isArray(then)
				? `, then ${then.map((r) => PROJECT_ROLES[r as keyof typeof PROJECT_ROLES]?.label ?? r).join(', ')}`
				: '';
	return `until ${expiryDay(expiry.at)}${fallBack}`;
}

/** An expiry's moment as a date input holds it (YYYY-MM-DD, UTC). */
export const dayInput = (at: number) => new Date(at).toISOString().slice(0, 10);

/** A date input's value as the start of that day in UTC, or nothing for an empty or odd one. */
export function fromDayInput(value: string): number | undefined {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
	const at = Date.parse(`${value}T00:00:00Z`);
	return Number.isNaN(at) ? undefined : at;
}
