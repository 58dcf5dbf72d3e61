/** Stable refusal codes; the message says the same for a person. */
export const REFUSAL_CODES = [
	'INVALID_FRAME',
	'RAW_UPDATE_REFUSED',
	// A presence frame that states more than its sender's own page and row (docs/protocol.md, Presence).
	'PRESENCE_REFUSED',
	'INVALID_MUTATION',
	'UNKNOWN_MUTATION',
	'NOT_A_MEMBER',
	'FORBIDDEN',
	'ORG_EXISTS',
	'ORG_CLOSED',
	'ORG_CLOSING',
	'USER_NOT_FOUND',
	'ALREADY_MEMBER',
	'MEMBER_NOT_FOUND',
	'LAST_OWNER',
	'PRIMARY_ADMIN_ROLE',
	'PRIMARY_ADMIN_REMOVAL',
	'PRIMARY_ADMIN_LEAVE',
	'ALREADY_PRIMARY_ADMIN',
	'EMAIL_NOT_VERIFIED',
	'TEAM_EXISTS',
	'TEAM_NOT_FOUND',
	'TEAM_NAME_TAKEN',
	'ALREADY_TEAM_MEMBER',
	'NOT_TEAM_MEMBER',
	'PROJECT_EXISTS',
	'PROJECT_NOT_FOUND',
	'PROJECT_CLOSED',
	'ALREADY_ASSIGNED',
	'NOT_ASSIGNED',
	'LAST_PROJECT_MEMBER',
	'LAST_PROJECT_OWNER',
	'ALREADY_REQUESTED',
	'NO_REQUEST',
	'AMBIGUOUS_EMAIL',
	'ALREADY_INVITED',
	'INVITATION_EXISTS',
	'INVITATION_NOT_FOUND',
	'INVITATION_EXPIRED',
	'DEPLOYMENT_EXISTS',
	'DEPLOYMENT_NOT_FOUND',
	'DEPLOYMENT_NAME_TAKEN',
	'PROJECT_HAS_DEPLOYMENTS',
	'ORG_HAS_DEPLOYMENTS',
	'CARD_INVALID',
	'CARD_EXPIRED',
	'CARD_EXISTS',
	'CARD_NOT_FOUND',
	'TWO_FACTOR_REQUIRED',
	'STEP_UP_REQUIRED',
	'NOT_MANAGED',
	'MANAGED_ELSEWHERE',
	'SESSION_EXPIRED',
	'WEBHOOK_PRIVATE_ADDRESS',
	'SERVICE_ACCOUNT_NOT_FOUND',
	'SERVICE_ACCOUNT_PRIMARY_ADMIN',
	'SERVICE_ACCOUNT_FORBIDDEN',
	'SERVICE_ACCOUNT_REMOVAL',
	'SECRET_EXPIRY',
	'TOO_MANY_SECRETS',
	'SECRET_NOT_FOUND',
	'SSO_NOT_LINKED',
	'SSO_REQUIRED',
	'NOT_PROVISIONER',
	'EXPIRY_NOT_FUTURE',
	'EXPIRY_NOT_LESSER',
	'EXPIRY_CHANGED',
	'EXPIRY_NOT_DUE',
	// Client-only: a queued change an older version of the app wrote, which this version cannot send.
	'WRITTEN_BY_OLDER_VERSION'
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface Refusal {
	ok: false;
	code: RefusalCode;
	message: string;
}

export function refuse(code: RefusalCode, message: string): Refusal {
	return { ok: false, code, message };
}

export function orgClosed(orgName: string): Refusal {
	return refuse('ORG_CLOSED', `${orgName} is closed and can no longer be changed.`);
}

/** Invariant 8: until its final invoice, a closing organization changes only its billing. */
export function orgClosing(orgName: string): Refusal {
	return refuse(
		'ORG_CLOSING',
		`${orgName} is closing: only its cards, billing details and billing contact can change until its final invoice.`
	);
}
