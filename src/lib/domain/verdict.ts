import type { Refusal } from './refusals.ts';
import type { Member, Organization } from './schemas.ts';
import type { Accepted, Change } from './state.ts';

export type Verdict = Accepted | Refusal;

/** What authorization established: the organization and the acting member. */
export interface Scope {
	org: Organization;
	actor: Member;
}

export function accept(...changes: Change[]): Accepted {
	return { ok: true, changes };
}

export function displayName(member: Pick<Member, 'displayName' | 'username'>): string {
	return member.displayName || member.username;
}
