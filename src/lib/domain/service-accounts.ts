import { refuse, type Refusal } from './refusals.ts';
import type { Organization } from './schemas.ts';
import type { ServiceAccount, ServiceSecret } from './service-account-schemas.ts';
import type { Change, OrgState } from './state.ts';

/** rules §5: the longest a secret may live, and the organization's cap when it set none. */
export const SECRET_MAX_DAYS = 365;
/** rules §5: live secrets per account — enough to rotate without a gap, few enough to keep track of. */
export const MAX_LIVE_SECRETS = 5;
export const DAY_MS = 24 * 3600 * 1000;

export function secretMaxDays(org: Organization): number {
	return org.secretMaxDays ?? SECRET_MAX_DAYS;
}

export function liveSecrets(account: ServiceAccount, now: number): ServiceSecret[] {
	return account.secrets.filter((s) => s.expiresAt > now);
}

/** The organization's service account with this user id, or why not. */
export function serviceAccountOf(state: OrgState, org: Organization, userId: string): ServiceAccount | Refusal {
	return (
		state.row('serviceAccount', userId) ??
		refuse('SERVICE_ACCOUNT_NOT_FOUND', `That is not a service account of ${org.name} (it may have just been deleted).`)
	);
}

/**
 * rules §5: whether the bearer secret `secretId` of service account `userId` opens the organization
 * now: the account is still a member, and its metadata lists the secret unexpired (a revoked
 * secret leaves the list, so it stops at the next request).
 */
export function secretOpens(state: OrgState, userId: string, secretId: string, now: number): boolean {
	const account = state.row('serviceAccount', userId);
	const member = state.member(userId);
	return !!account && !!member?.service && account.secrets.some((s) => s.id === secretId && s.expiresAt > now);
}

/** rules §5: a service account mints no credentials, so a leaked secret cannot outlive its own revocation. */
export const SELF_PERPETUATING = refuse(
	'SERVICE_ACCOUNT_FORBIDDEN',
	'A service account may not create service accounts or secrets, or change their policy: an owner does that in the console.'
);

export const NEVER_PRIMARY_ADMIN = refuse(
	'SERVICE_ACCOUNT_PRIMARY_ADMIN',
	'A service account cannot be the primary admin: choose a person.'
);

/**
 * rules §5 on every path: a service account never becomes primary admin (whichever mutation hands
 * the role on), and leaves its organization only by being deleted as a service account (so its
 * secrets and metadata go with its membership).
 */
export function guardServiceAccounts(state: OrgState, actorId: string, type: string, changes: readonly Change[]): Refusal | undefined {
	const byService = !!state.member(actorId)?.service;
	for (const c of changes) {
		if (byService && grantsOwner(state, c)) return NO_OWNERS_BY_SERVICE;
		if (c.kind === 'org.put' && c.org.primaryAdminId !== state.org()?.primaryAdminId && state.user(c.org.primaryAdminId)?.service) {
			return NEVER_PRIMARY_ADMIN;
		}
		if (c.kind === 'member.delete' && type !== 'serviceAccount.delete' && state.member(c.userId)?.service) {
			const who = state.member(c.userId)!.username;
			return refuse('SERVICE_ACCOUNT_REMOVAL', `${who} is a service account: delete it on the Service accounts page instead.`);
		}
	}
	return undefined;
}

/** rules §5: an owner can mint service accounts and secrets, so a service account making one would outlive its own revocation. */
const NO_OWNERS_BY_SERVICE = refuse(
	'SERVICE_ACCOUNT_FORBIDDEN',
	'A service account may not make anyone an Organization Owner, directly or by invitation: an owner does that in the console.'
);

function grantsOwner(state: OrgState, c: Change): boolean {
	if (c.kind === 'member.put') return c.member.role === 'ORG_OWNER' && state.member(c.member.userId)?.role !== 'ORG_OWNER';
	return c.kind === 'invitation.put' && c.invitation.role === 'ORG_OWNER';
}
