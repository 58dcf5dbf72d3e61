import type { RefusalCode } from './refusals.ts';

/**
 * What can overcome a refusal. `retry`: sending the same change again can succeed once the user has
 * done what the message asks (enter a fresh two-factor code, turn two-factor on, verify the address).
 * `change`: the same change would be refused again; only a different one (another name, another
 * person's decision) helps, so offering Retry would be a dead end.
 */
export type RetryRule = 'retry' | 'change';

/** Every refusal code, decided once: a new code cannot be added without saying whether a retry helps. */
export const REFUSAL_RETRY: Record<RefusalCode, RetryRule> = {
	// The frame or mutation itself was wrong: the same bytes are refused again.
	INVALID_FRAME: 'change',
	RAW_UPDATE_REFUSED: 'change',
	PRESENCE_REFUSED: 'change',
	INVALID_MUTATION: 'change',
	UNKNOWN_MUTATION: 'change',
	// Someone else's decision (a role, a membership, a closing) stands until they change it.
	NOT_A_MEMBER: 'change',
	FORBIDDEN: 'change',
	ORG_CLOSED: 'change',
	ORG_CLOSING: 'change',
	// The organization's data says no: a retry sends the same ids and names into the same state.
	ORG_EXISTS: 'change',
	USER_NOT_FOUND: 'change',
	ALREADY_MEMBER: 'change',
	MEMBER_NOT_FOUND: 'change',
	LAST_OWNER: 'change',
	PRIMARY_ADMIN_ROLE: 'change',
	PRIMARY_ADMIN_REMOVAL: 'change',
	PRIMARY_ADMIN_LEAVE: 'change',
	ALREADY_PRIMARY_ADMIN: 'change',
	TEAM_EXISTS: 'change',
	TEAM_NOT_FOUND: 'change',
	TEAM_NAME_TAKEN: 'change',
	ALREADY_TEAM_MEMBER: 'change',
	NOT_TEAM_MEMBER: 'change',
	PROJECT_EXISTS: 'change',
	PROJECT_NOT_FOUND: 'change',
	PROJECT_CLOSED: 'change',
	ALREADY_ASSIGNED: 'change',
	NOT_ASSIGNED: 'change',
	LAST_PROJECT_MEMBER: 'change',
	LAST_PROJECT_OWNER: 'change',
	ALREADY_REQUESTED: 'change',
	NO_REQUEST: 'change',
	AMBIGUOUS_EMAIL: 'change',
	ALREADY_INVITED: 'change',
	INVITATION_EXISTS: 'change',
	INVITATION_NOT_FOUND: 'change',
	INVITATION_EXPIRED: 'change',
	DEPLOYMENT_EXISTS: 'change',
	DEPLOYMENT_NOT_FOUND: 'change',
	DEPLOYMENT_NAME_TAKEN: 'change',
	PROJECT_HAS_DEPLOYMENTS: 'change',
	ORG_HAS_DEPLOYMENTS: 'change',
	CARD_INVALID: 'change',
	CARD_EXPIRED: 'change',
	CARD_EXISTS: 'change',
	CARD_NOT_FOUND: 'change',
	NOT_MANAGED: 'change',
	MANAGED_ELSEWHERE: 'change',
	WEBHOOK_PRIVATE_ADDRESS: 'change',
	SERVICE_ACCOUNT_NOT_FOUND: 'change',
	SERVICE_ACCOUNT_PRIMARY_ADMIN: 'change',
	SERVICE_ACCOUNT_FORBIDDEN: 'change',
	SERVICE_ACCOUNT_REMOVAL: 'change',
	SECRET_EXPIRY: 'change',
	TOO_MANY_SECRETS: 'change',
	SECRET_NOT_FOUND: 'change',
	SSO_NOT_LINKED: 'change',
	NOT_PROVISIONER: 'change',
	// rules §6: another date or fall-back helps; the server's own expiry acts on the expiry as it stands.
	EXPIRY_NOT_FUTURE: 'change',
	EXPIRY_NOT_LESSER: 'change',
	EXPIRY_CHANGED: 'change',
	EXPIRY_NOT_DUE: 'change',
	// This version cannot read the change an older one queued: only a new change, made here, can be sent.
	WRITTEN_BY_OLDER_VERSION: 'change',
	// Signing in through the provider starts another session; this one stays refused.
	SSO_REQUIRED: 'change',
	// Signing in again starts a new session and clears this browser's unsent changes.
	SESSION_EXPIRED: 'change',
	// The user can clear these themselves, then the very same change goes through.
	EMAIL_NOT_VERIFIED: 'retry',
	TWO_FACTOR_REQUIRED: 'retry',
	STEP_UP_REQUIRED: 'retry'
};

/** Whether offering Retry for this refusal can lead anywhere. */
export function retryCanSucceed(code: RefusalCode): boolean {
	return REFUSAL_RETRY[code] === 'retry';
}
