import { refuse, type Refusal } from './refusals.ts';
import type { Member, Organization } from './schemas.ts';
import { orgSessionExpired, orgSessionLive, securityOf } from './security.ts';

/** What the server remembers of one session and one organization. */
export interface OrgSessionRecord {
	/** When the session began (its sign-in). */
	startedAt: number;
	/** The session's last action on the organization; absent before its first. */
	lastActiveAt?: number;
	/** Its access there ended already: that sticks until the user signs in again (a new session). */
	expired: boolean;
	/** The identity provider the session was signed in through; absent for a password sign-in. */
	ssoProvider?: string;
}

/**
 * rules §2 required single sign-on: a session signed in otherwise than through the organization's
 * provider no longer reaches it, except the primary admin's (the break-glass account).
 */
export function ssoRefusal(org: Organization, member: Member, session: OrgSessionRecord): Refusal | undefined {
	const sso = org.sso;
	if (!sso?.required || member.userId === org.primaryAdminId || session.ssoProvider === sso.providerId) return undefined;
	return refuse(
		'SSO_REQUIRED',
		`${org.name} requires single sign-on: sign out, then sign in with the organization's identity provider (${sso.providerId}) to reach it.`
	);
}

/**
 * rules §2 session timeouts, per organization: why this session may no longer reach this
 * organization, if so. Only a member's access is timed: to anyone else the organization's
 * rules already answer. `newlyExpired` tells the server to remember the end.
 */
export function orgSessionVerdict(
	org: Organization | undefined,
	member: Member | undefined,
	session: OrgSessionRecord | undefined,
	now: number
): { refusal?: Refusal; newlyExpired: boolean } {
	if (!org || !member || !session) return { newlyExpired: false };
	if (session.expired) return { refusal: orgSessionExpired(org), newlyExpired: false };
	const sso = ssoRefusal(org, member, session);
	if (sso) return { refusal: sso, newlyExpired: false };
	const times = { now, startedAt: session.startedAt, joinedAt: member.joinedAt, lastActiveAt: session.lastActiveAt };
	return orgSessionLive(securityOf(org), times) ? { newlyExpired: false } : { refusal: orgSessionExpired(org), newlyExpired: true };
}

/** A session's activity on an organization is written at most this often; idle timeouts count in minutes. */
export const ORG_TOUCH_EVERY_MS = 60_000;

/** How long a sign-in lasts (seconds), whatever its organizations' own timeouts say. */
export const SESSION_MAX_AGE_S = 30 * 24 * 3600;

/** Live sessions a user may hold (browsers, devices); a new sign-in beyond them ends the oldest. */
export const SESSIONS_PER_USER = 50;

/**
 * rules §2: whether a session is younger than Roster's 30 days. An organization's timeouts end
 * access to that organization only (orgSessionVerdict), never the session.
 */
export function sessionAlive(startedAt: number, now: number): boolean {
	return now - startedAt <= SESSION_MAX_AGE_S * 1000;
}
