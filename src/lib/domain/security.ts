import { SENSITIVE_MUTATIONS, type MutationType } from './mutations/index.ts';
import { refuse, type Refusal } from './refusals.ts';
import type { Member, Organization, OrgSecurity } from './schemas.ts';
import type { CheckContext } from './state.ts';

/** rules §4: a code entered within the last 10 minutes confirms a sensitive change. */
export const STEP_UP_TTL_MS = 10 * 60_000;

export const DEFAULT_SECURITY: OrgSecurity = { requireTwoFactor: false, idleTimeoutMinutes: null, absoluteTimeoutHours: null };

export function securityOf(org: Organization): OrgSecurity {
	return org.security ?? DEFAULT_SECURITY;
}

/** Whether the actor's last code still confirms a sensitive change at `ctx.now`. */
export function steppedUp(ctx: CheckContext): boolean {
	return ctx.steppedUpAt !== undefined && ctx.now - ctx.steppedUpAt <= STEP_UP_TTL_MS;
}

/**
 * What members do to an organization over HTTP that is not a mutation, and whether it is
 * sensitive: the same gate holds for them. Reads (export, activity, mail log) are views.
 */
export const HTTP_ACTS = { 'invoice.resend': false, 'invoice.pay': true } as const;
export type HttpAct = keyof typeof HTTP_ACTS;

function sensitive(act: MutationType | HttpAct): boolean {
	return act in HTTP_ACTS ? HTTP_ACTS[act as HttpAct] : SENSITIVE_MUTATIONS.has(act as MutationType);
}

/** Whether this user must enter a code before doing this now. */
export function needsStepUp(user: { twoFactor?: boolean }, act: MutationType | HttpAct, ctx: CheckContext): boolean {
	return !!user.twoFactor && sensitive(act) && !steppedUp(ctx);
}

/**
 * rules §4, the one gate for every act on an organization, by socket or HTTP: where the
 * organization requires two-factor, a member without it may only view (and leave); and a
 * member with it confirms sensitive changes with a fresh code.
 */
export function securityGate(org: Organization, actor: Member, ctx: CheckContext, act: MutationType | HttpAct): Refusal | undefined {
	// rules §5: a service account's secret is its credential; it has no code to enter (lacksRequiredTwoFactor says the same).
	if (actor.service) return undefined;
	// Access ending (leaving, an expiry the server applies) never waits for two-factor.
	if (lacksRequiredTwoFactor(org, actor) && act !== 'member.leave' && act !== 'access.expire' && act !== 'access.remindExpiry') {
		return twoFactorRequired(org);
	}
	return needsStepUp(actor, act, ctx) ? STEP_UP_REFUSAL : undefined;
}

export const STEP_UP_REFUSAL = refuse(
	'STEP_UP_REQUIRED',
	'Confirm this change with a code from your authenticator app (asked again after 10 minutes).'
);

export const twoFactorRequired = (org: Organization) =>
	refuse('TWO_FACTOR_REQUIRED', `${org.name} requires two-factor authentication: turn it on in your account, then try again.`);

export function lacksRequiredTwoFactor(org: Organization, actor: Member): boolean {
	return securityOf(org).requireTwoFactor && !actor.twoFactor && !actor.service;
}

/** What the server knows of a session and an organization, to tell whether the session may still reach it. */
export interface OrgSessionTimes {
	now: number;
	/** When the session began (its sign-in). */
	startedAt: number;
	/** When the user joined the organization. */
	joinedAt: number;
	/** The session's last action on the organization (a mutation, a sync frame, a request about it); absent before its first. */
	lastActiveAt?: number;
}

/**
 * rules §2 session timeouts, per organization: whether a session may still reach this one.
 * They end access to this organization only, never the session (another organization's
 * settings cannot sign anyone out). Absolute counts from sign-in; idle from the session's
 * last action on this organization, or before any, from sign-in or joining, whichever is
 * later: activity in another organization never keeps this one open.
 */
export function orgSessionLive(security: OrgSecurity, t: OrgSessionTimes): boolean {
	const { idleTimeoutMinutes: idle, absoluteTimeoutHours: absolute } = security;
	if (absolute !== null && t.now - t.startedAt > absolute * 3_600_000) return false;
	const since = t.lastActiveAt ?? Math.max(t.startedAt, t.joinedAt);
	return idle === null || t.now - since <= idle * 60_000;
}

export const orgSessionExpired = (org: Organization) =>
	refuse('SESSION_EXPIRED', `Your session for ${org.name} timed out: sign in again to reach it.`);
