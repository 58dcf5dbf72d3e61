import type { ContactKind } from './schemas.ts';
import type { OrgState } from './state.ts';

/** The address mail for a contact goes to, and where it comes from (rules §4: unset falls back to the primary admin). */
export function effectiveContact(state: OrgState, kind: ContactKind): { email: string; source: 'set' | 'primary admin' } | undefined {
	const set = state.contact(kind);
	if (set) return { email: set, source: 'set' };
	const admin = state.org() && state.member(state.org()!.primaryAdminId);
	return admin ? { email: admin.email, source: 'primary admin' } : undefined;
}
