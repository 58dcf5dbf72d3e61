import type { Refusal, RefusalCode } from '$lib/domain/index.ts';
import { HttpError } from './types.ts';

/**
 * The one answer to "which HTTP status says this refusal": malformed input 400, not allowed
 * 403, not there 404, and a rule of the organization's current state 409. Every refusal code
 * is listed, so a new one is a compile error until it has its status.
 */
const STATUS: Record<RefusalCode, 400 | 403 | 404 | 409> = {
	INVALID_FRAME: 400,
	RAW_UPDATE_REFUSED: 400,
	INVALID_MUTATION: 400,
	WEBHOOK_PRIVATE_ADDRESS: 400,
	UNKNOWN_MUTATION: 400,
	CARD_INVALID: 400,
	CARD_EXPIRED: 400,
	NOT_A_MEMBER: 403,
	FORBIDDEN: 403,
	ORG_CLOSED: 403,
	ORG_CLOSING: 403,
	TWO_FACTOR_REQUIRED: 403,
	STEP_UP_REQUIRED: 403,
	SESSION_EXPIRED: 403,
	SSO_REQUIRED: 403,
	MANAGED_ELSEWHERE: 403,
	NOT_MANAGED: 404,
	USER_NOT_FOUND: 404,
	ORG_EXISTS: 409,
	ALREADY_MEMBER: 409,
	MEMBER_NOT_FOUND: 409,
	LAST_OWNER: 409,
	PRIMARY_ADMIN_ROLE: 409,
	PRIMARY_ADMIN_REMOVAL: 409,
	PRIMARY_ADMIN_LEAVE: 409,
	ALREADY_PRIMARY_ADMIN: 409,
	EMAIL_NOT_VERIFIED: 409,
	TEAM_EXISTS: 409,
	TEAM_NOT_FOUND: 409,
	TEAM_NAME_TAKEN: 409,
	ALREADY_TEAM_MEMBER: 409,
	NOT_TEAM_MEMBER: 409,
	PROJECT_EXISTS: 409,
	PROJECT_NOT_FOUND: 409,
	PROJECT_CLOSED: 409,
	ALREADY_ASSIGNED: 409,
	NOT_ASSIGNED: 409,
	LAST_PROJECT_MEMBER: 409,
	LAST_PROJECT_OWNER: 409,
	ALREADY_REQUESTED: 409,
	NO_REQUEST: 409,
	AMBIGUOUS_EMAIL: 409,
	ALREADY_INVITED: 409,
	INVITATION_EXISTS: 409,
	INVITATION_NOT_FOUND: 409,
	INVITATION_EXPIRED: 409,
	DEPLOYMENT_EXISTS: 409,
	DEPLOYMENT_NOT_FOUND: 409,
	DEPLOYMENT_NAME_TAKEN: 409,
	PROJECT_HAS_DEPLOYMENTS: 409,
	ORG_HAS_DEPLOYMENTS: 409,
	CARD_EXISTS: 409,
	CARD_NOT_FOUND: 409,
	SSO_NOT_LINKED: 409
};

export function refusalStatus(code: RefusalCode): number {
	return STATUS[code];
}

/** A domain refusal as an HTTP answer: same code, same sentence (or one said for this route). */
export function refused(r: Refusal, message = r.message): HttpError {
	return new HttpError(refusalStatus(r.code), r.code, message);
}
