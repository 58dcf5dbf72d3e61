import type { PasswordAttempts, ScryptCost } from '../auth.ts';
import type { BillingRun } from '../billing-run.ts';
import type { SyncHub } from '../hub.ts';
import type { OidcProviders } from '../sso/config.ts';
import type { Mailer } from '../mail.ts';
import type { Limiter, MakeLimiter } from '../limits.ts';
import type { MailLimits } from '../mail-limits.ts';
import type { AccountStore } from '../storage/accounts.ts';
import type { DocumentStore } from '../storage/documents.ts';
import type { WebEdge } from '../web-edge.ts';
import type { TwoFactorCodes } from './two-factor-codes.ts';
import type { SignedInRequest } from './types.ts';

export interface HttpDeps {
	/** Users, sessions, two-factor and email tokens. */
	accounts: AccountStore;
	/** The documents' side of the store: the activity feed and who belongs where. */
	documents: DocumentStore;
	hub: SyncHub;
	mailer: Mailer;
	billing: BillingRun;
	staticDir: string;
	now: () => number;
	/** The origin links in mail point to (set once the port is known). */
	publicUrl: () => string;
	/** What new password hashes cost; older ones are rehashed at sign-in. */
	scrypt: ScryptCost;
	/** Accounts one client address may create an hour. */
	signUpsPerHour: number;
	/** Origin check, client address, session cookie and security headers. */
	edge: WebEdge;
	/** The limits on people, counted across every server sharing the store. */
	limiter: MakeLimiter;
	/** The configured identity providers (rules §2 single sign-on); none without --oidc-config. */
	sso: OidcProviders;
}

/** What every route's handler gets: the deps, and the limits kept across requests (and servers). */
export interface HttpApp {
	deps: HttpDeps;
	/** Password guesses, wherever a password is asked for. */
	attempts: PasswordAttempts;
	/** Verification mail, per sender, recipient and client address. */
	mails: MailLimits;
	/** Two-factor codes, with their own limit. */
	codes: TwoFactorCodes;
	/** Invoices re-sent by mail, per user. */
	resends: Limiter;
}

/** An organization's state as the hub holds it. */
export type OrgDoc = NonNullable<Awaited<ReturnType<SyncHub['orgState']>>>;

/** A request of a route about an organization: the router found it, and the domain let the user at it. */
export interface OrgRequest<Body = unknown, Query = unknown> extends SignedInRequest<Body, Query> {
	org: OrgDoc;
}
