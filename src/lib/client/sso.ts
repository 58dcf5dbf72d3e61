import { api } from './api.ts';

/** rules §2 single sign-on: an identity provider the server is configured with, as the sign-in page offers it. */
export interface SsoProvider {
	id: string;
	name: string;
}

let listed: Promise<SsoProvider[]> | undefined;

/** The server's providers, asked once per page load (none when it has none or cannot be reached). */
export function ssoProviders(): Promise<SsoProvider[]> {
	listed ??= api.ssoProviders().then((r) => (r.ok ? r.providers : []));
	return listed;
}

/** Where the browser goes to sign in through `providerId`, coming back to `returnTo` (a path of this console). */
export function ssoStartUrl(providerId: string, returnTo = '/orgs'): string {
	return `/api/sso/${encodeURIComponent(providerId)}/start?return=${encodeURIComponent(returnTo)}`;
}

/** The codes the server's callback sends back to /signin?ssoError=…, worded for the person who was signing in. */
const SSO_ERRORS: Record<string, string> = {
	SSO_STATE_INVALID: 'That sign-in took too long or was opened in another browser. Start again with the button below.',
	SSO_REFUSED:
		'The identity provider’s answer could not be checked, so you were not signed in. Try again; if it keeps happening, tell your administrator.',
	SSO_NO_EMAIL:
		'The identity provider did not share your email address, which Roster needs to create your account. Ask your administrator to release it.',
	SSO_EMAIL_AMBIGUOUS:
		'More than one Roster account has the email address the identity provider gave, so Roster cannot tell which is yours. Sign in with your username and password instead.'
};

/** The sentence for an `ssoError` code; an unknown code still gets one. */
export function ssoErrorMessage(code: string): string {
	return SSO_ERRORS[code] ?? 'Signing in through the identity provider did not work. Try again, or sign in with your password.';
}
