import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { AccountStore } from '../storage/accounts.ts';
import { cookieValue } from '../web-edge.ts';
import type { OidcProviderConfig } from './config.ts';

/** A sign-in under way: state, nonce and PKCE verifier, and the page to return to. */
export const Flow = z.strictObject({ p: z.string(), s: z.string(), n: z.string(), v: z.string(), r: z.string(), e: z.number() });
/** A link waiting for the password of the user with the provider's verified address (rules §2). */
export const PendingLink = z.strictObject({
	p: z.string(),
	sub: z.string(),
	u: z.string(),
	g: z.array(z.string()),
	r: z.string(),
	e: z.number()
});

export const FLOW_COOKIE = 'roster_sso';
export const LINK_COOKIE = 'roster_sso_link';
/** Long enough to sign in at the provider, short enough that a stolen cookie soon means nothing. */
export const FLOW_TTL_S = 600;

/** The cookie's MAC: with the server's own secret key (shared by every server of the store), never the client secret, which the provider's admins know too. */
const mac = (store: AccountStore, p: OidcProviderConfig, body: string) => store.mac(`sso cookie ${p.id}`, body);

export async function sealCookie(store: AccountStore, p: OidcProviderConfig, value: object): Promise<string> {
	const body = Buffer.from(JSON.stringify(value)).toString('base64url');
	return `${body}.${(await mac(store, p, body)).toString('base64url')}`;
}

/** The cookie's value if it is this provider's, unchanged and unexpired; undefined otherwise. */
export async function openCookie<T extends z.ZodType>(
	req: IncomingMessage,
	name: string,
	store: AccountStore,
	p: OidcProviderConfig,
	schema: T,
	now: number
) {
	const raw = cookieValue(req, name);
	const [body, given] = raw?.split('.') ?? [];
	if (!body || !given) return undefined;
	const expected = await mac(store, p, body);
	const sent = Buffer.from(given, 'base64url');
	if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) return undefined;
	let parsed;
	try {
		parsed = schema.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
	} catch {
		return undefined;
	}
	const value = parsed.success ? (parsed.data as z.output<T> & { p: string; e: number }) : undefined;
	return value && value.p === p.id && value.e > now ? value : undefined;
}

/** httpOnly, Lax (the provider sends the browser back with a top-level GET), only on /api/sso. */
export function ssoCookie(name: string, value: string, maxAgeS: number, https: boolean): string {
	return `${name}=${value}; Path=/api/sso; HttpOnly; SameSite=Lax; Max-Age=${maxAgeS}${https ? '; Secure' : ''}`;
}

/** A page of the console to go back to: a same-origin path only, never another site or the API. */
export function returnPath(value: string | undefined): string {
	if (!value || !/^\/(?![/\\])[\x21-\x7e]*$/.test(value) || value.startsWith('/api/')) return '/';
	return value;
}
