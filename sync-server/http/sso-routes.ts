import type { ServerResponse } from 'node:http';
import * as client from 'openid-client';
import { z } from 'zod';
import { publicProfile, SsoProviderId } from '$lib/domain/index.ts';
import type { OidcProviderConfig } from '../sso/config.ts';
import {
	FLOW_COOKIE,
	FLOW_TTL_S,
	Flow,
	LINK_COOKIE,
	PendingLink,
	openCookie,
	returnPath,
	sealCookie,
	ssoCookie
} from '../sso/flow-cookie.ts';
import { applyMappings, claimProvisioned, createSsoUser, groupsOf, type Vouched } from '../sso/sso-sign-in.ts';
import type { StoredUser } from '../storage/accounts.ts';
import type { HttpApp, HttpDeps } from './deps.ts';
import { json, rateLimited } from './io.ts';
import { startSession } from './sessions.ts';
import { HttpError, type RouteRequest } from './types.ts';

/** rules §2 single sign-on: the authorization code flow with PKCE, state and nonce, through openid-client. */

export const ProviderPath = z.strictObject({ provider: SsoProviderId, return: z.string().max(2000).optional() });
export const CallbackQuery = z.object({ provider: SsoProviderId }).passthrough();
export const LinkBody = z.strictObject({ password: z.string().max(200), code: z.string().trim().max(32).optional() });

const https = (deps: HttpDeps) => /^https:/i.test(deps.publicUrl());
const redirectUri = (deps: HttpDeps, p: OidcProviderConfig) => `${deps.publicUrl()}/api/sso/${p.id}/callback`;

function provider(deps: HttpDeps, id: string): OidcProviderConfig {
	const p = deps.sso.get(id);
	if (!p) throw new HttpError(404, 'SSO_UNKNOWN_PROVIDER', 'This server has no identity provider by that name.');
	return p;
}

async function configuration(deps: HttpDeps, p: OidcProviderConfig) {
	try {
		return await deps.sso.configuration(p);
	} catch (err) {
		console.error(`identity provider ${p.id} could not be discovered:`, err instanceof Error ? err.message : err);
		throw new HttpError(502, 'SSO_PROVIDER_UNREACHABLE', `${p.name} cannot be reached just now: try again in a moment.`);
	}
}

/** Back to the console's sign-in page, saying why (the page words the code). */
function backToSignIn(res: ServerResponse, code: string) {
	res.writeHead(302, { location: `/signin?ssoError=${code}`, 'cache-control': 'no-store' });
	res.end();
}

/** GET /api/sso/providers: what the sign-in page offers. */
export function providers({ deps }: HttpApp, { res }: RouteRequest) {
	json(res, 200, { providers: deps.sso.list() });
}

/** GET /api/sso/{provider}/start: off to the provider, with the flow's secrets in a signed, short-lived httpOnly cookie. */
export async function start({ deps }: HttpApp, { res, query }: RouteRequest<undefined, z.infer<typeof ProviderPath>>) {
	const p = provider(deps, query.provider);
	const config = await configuration(deps, p);
	const verifier = client.randomPKCECodeVerifier();
	const flow = {
		p: p.id,
		s: client.randomState(),
		n: client.randomNonce(),
		v: verifier,
		r: returnPath(query.return),
		e: deps.now() + FLOW_TTL_S * 1000
	};
	const url = client.buildAuthorizationUrl(config, {
		redirect_uri: redirectUri(deps, p),
		scope: p.scopes.join(' '),
		code_challenge: await client.calculatePKCECodeChallenge(verifier),
		code_challenge_method: 'S256',
		state: flow.s,
		nonce: flow.n
	});
	res.writeHead(302, {
		location: url.href,
		'set-cookie': ssoCookie(FLOW_COOKIE, await sealCookie(deps.accounts, p, flow), FLOW_TTL_S, https(deps)),
		'cache-control': 'no-store'
	});
	res.end();
}

/** What the validated ID token (and, for what it lacks, the userinfo answer for the same subject) says. */
async function vouched(
	config: client.Configuration,
	p: OidcProviderConfig,
	tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>
) {
	const idClaims = tokens.claims();
	if (!idClaims) throw new Error('no ID token');
	let claims: Record<string, unknown> = idClaims;
	if (claims.email === undefined || claims[p.groupsClaim] === undefined) {
		claims = { ...(await client.fetchUserInfo(config, tokens.access_token, idClaims.sub)), ...idClaims };
	}
	const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
	return {
		subject: idClaims.sub,
		email: text(claims.email),
		emailVerified: claims.email_verified === true,
		preferredUsername: text(claims.preferred_username),
		name: text(claims.name),
		groups: groupsOf(claims[p.groupsClaim])
	} satisfies Vouched;
}

/** A session like a password sign-in's, marked as made through this provider; then the mapping in every linked organization. */
async function finish(deps: HttpDeps, res: ServerResponse, p: OidcProviderConfig, user: StoredUser, groups: string[]) {
	// rules §4: a verified address accepts what was sent to it meanwhile, as at a password sign-in.
	if (user.emailVerified) await deps.hub.acceptInvitations(user.id);
	await applyMappings(deps, p, user, groups);
	await startSession(deps, res, user.id, false, p.id);
}

/** GET /api/sso/{provider}/callback: the code exchanged and the tokens validated by openid-client; then who this is. */
export async function callback(
	{ deps }: HttpApp,
	{ req, res, url, query }: RouteRequest<undefined, z.infer<typeof CallbackQuery>>
): Promise<void> {
	const p = provider(deps, query.provider);
	const flow = await openCookie(req, FLOW_COOKIE, deps.accounts, p, Flow, deps.now());
	// Used once: a replayed callback finds no flow.
	res.setHeader('set-cookie', ssoCookie(FLOW_COOKIE, '', 0, https(deps)));
	if (!flow) return backToSignIn(res, 'SSO_STATE_INVALID');
	const config = await configuration(deps, p);
	let who: Vouched;
	try {
		// The URL as the provider sent the browser to it, on the public origin (never the request's Host header).
		const current = new URL(`${redirectUri(deps, p)}${url.search}`);
		const tokens = await client.authorizationCodeGrant(config, current, {
			pkceCodeVerifier: flow.v,
			expectedState: flow.s,
			expectedNonce: flow.n,
			idTokenExpected: true
		});
		who = await vouched(config, p, tokens);
	} catch (err) {
		// The reason goes to the log (never a token: openid-client's messages name the check that failed).
		console.warn(`sign-in through ${p.id} refused:`, err instanceof Error ? err.message : err);
		return backToSignIn(res, 'SSO_REFUSED');
	}
	const linked = await deps.accounts.ssoUser(p.id, who.subject);
	const known = linked && (await deps.accounts.user(linked));
	if (known) return signedInThrough(deps, res, p, known, who.groups, flow.r);
	if (!who.email) return backToSignIn(res, 'SSO_NO_EMAIL');
	// rules §2: an existing user with this verified address is linked only once it proves its password.
	const holders = who.emailVerified ? await deps.accounts.verifiedUsersByEmail(who.email) : [];
	if (holders.length > 1) return backToSignIn(res, 'SSO_EMAIL_AMBIGUOUS');
	if (holders[0]) {
		const pending = { p: p.id, sub: who.subject, u: holders[0].id, g: who.groups, r: flow.r, e: deps.now() + FLOW_TTL_S * 1000 };
		res.appendHeader('set-cookie', ssoCookie(LINK_COOKIE, await sealCookie(deps.accounts, p, pending), FLOW_TTL_S, https(deps)));
		res.writeHead(302, {
			location: `/sso/link?provider=${p.id}&username=${encodeURIComponent(holders[0].username)}`,
			'cache-control': 'no-store'
		});
		res.end();
		return;
	}
	const provisioned = await claimProvisioned(deps, p, who);
	if (provisioned) return signedInThrough(deps, res, p, provisioned, who.groups, flow.r);
	const created = await createSsoUser(deps, p, who);
	if (!created) return backToSignIn(res, 'SSO_NO_EMAIL');
	return signedInThrough(deps, res, p, created, who.groups, flow.r);
}

async function signedInThrough(deps: HttpDeps, res: ServerResponse, p: OidcProviderConfig, user: StoredUser, groups: string[], to: string) {
	await finish(deps, res, p, user, groups);
	res.writeHead(302, { location: returnPath(to), 'cache-control': 'no-store' });
	res.end();
}

/** POST /api/sso/{provider}/link: the password (and code) of the user the provider's verified address named; then the link. */
export async function link(
	{ deps, attempts, codes }: HttpApp,
	{ req, res, query, body }: RouteRequest<z.infer<typeof LinkBody>, z.infer<typeof ProviderPath>>
) {
	const p = provider(deps, query.provider);
	const pending = await openCookie(req, LINK_COOKIE, deps.accounts, p, PendingLink, deps.now());
	if (!pending) throw new HttpError(400, 'SSO_LINK_EXPIRED', `This link request has expired: sign in with ${p.name} again.`);
	const user = await deps.accounts.user(pending.u);
	if (!user) throw new HttpError(400, 'SSO_LINK_EXPIRED', `This link request has expired: sign in with ${p.name} again.`);
	const check = await attempts.verify(user.id, deps.edge.clientAddress(req), deps.now(), body.password, user.passwordHash);
	if ('wait' in check) throw rateLimited(check.wait, 'failed sign-in attempts');
	if (!check.ok) throw new HttpError(401, 'BAD_CREDENTIALS', 'That password does not match.');
	if (user.twoFactor) {
		if (!body.code) throw new HttpError(401, 'CODE_REQUIRED', 'Enter the code from your authenticator app, or a recovery code.');
		await codes.verify(user.id, body.code);
	}
	await deps.accounts.linkSso(p.id, pending.sub, user.id, deps.now());
	res.setHeader('set-cookie', ssoCookie(LINK_COOKIE, '', 0, https(deps)));
	await finish(deps, res, p, user, pending.g);
	// Checked again where it is used, as at the start: only a page of the console.
	json(res, 200, { user: publicProfile(user), location: returnPath(pending.r) });
}
