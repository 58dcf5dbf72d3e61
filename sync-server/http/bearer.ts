import { randomBytes, timingSafeEqual } from 'node:crypto';
import { secretOpens } from '$lib/domain/index.ts';
import { tokenHash } from '../auth.ts';
import type { StoredUser } from '../storage/accounts.ts';
import type { HttpDeps } from './deps.ts';
import { HttpError } from './types.ts';

/**
 * rules §5: a service account's secret is `roster_sa_<secretId>_<random>`. The id finds the row;
 * only the SHA-256 of the random part is stored, so a copy of the store opens nothing. The id is
 * hex (never `_`), so the secret splits one way only.
 */
const SECRET = /^roster_sa_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;

/** A new secret: its id (kept in the organization document), its text (shown once) and the hash the store keeps. */
export function newServiceSecret(): { secretId: string; secret: string; hash: string } {
	const secretId = randomBytes(12).toString('hex');
	const random = randomBytes(32).toString('base64url');
	return { secretId, secret: `roster_sa_${secretId}_${random}`, hash: tokenHash(random) };
}

/** What checking a secret reads: the store's secrets and users, and the organizations' documents. */
export type BearerDeps = Pick<HttpDeps, 'accounts' | 'hub' | 'now'>;

export interface BearerCaller {
	user: StoredUser;
	orgId: string;
	secretId: string;
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="roster"' };

const missing = () =>
	new HttpError(401, 'UNAUTHENTICATED', 'Send a service account secret as "Authorization: Bearer roster_sa_…".', CHALLENGE);

/** One answer for an unknown, wrong, expired, revoked or deleted secret: which it was is nobody's business but the owners'. */
const invalid = () => new HttpError(401, 'INVALID_SECRET', 'That service account secret is invalid or expired.', CHALLENGE);

/** A hash of the same length as a real one, compared when the id is unknown, so that both cost the same. */
const DECOY = tokenHash('decoy');

function sameHash(a: string, b: string): boolean {
	const x = Buffer.from(a);
	const y = Buffer.from(b);
	return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The service account a request's `Authorization: Bearer` secret opens, or 401: valid only while
 * its hash matches, the account is still a member of the organization that owns it, and that
 * organization's document lists the secret unexpired (so a revocation holds from the next request).
 * The caller records the use (touchServiceSecret) once the request is within the account's budget.
 */
export async function authenticateBearer(deps: BearerDeps, authorization: string | undefined): Promise<BearerCaller> {
	const [scheme, token, ...rest] = (authorization ?? '').trim().split(/\s+/);
	if (!scheme || scheme.toLowerCase() !== 'bearer' || !token || rest.length) throw missing();
	const parts = SECRET.exec(token);
	if (!parts) throw invalid();
	const [, secretId, random] = parts as unknown as [string, string, string];
	const row = await deps.accounts.serviceSecret(secretId);
	const matches = sameHash(tokenHash(random), row?.hash ?? DECOY);
	const caller = row && matches ? await opened(deps, row.userId, secretId) : undefined;
	if (!caller) throw invalid();
	return caller;
}

/** Whether a secret that opened for `caller` still does (a socket it opened stays open only while it does). */
export async function secretStillOpens(deps: BearerDeps, caller: BearerCaller): Promise<boolean> {
	const row = await deps.accounts.serviceSecret(caller.secretId);
	return row?.userId === caller.user.id && (await opened(deps, row.userId, caller.secretId)) !== undefined;
}

/** The caller a matching secret stands for while its account is a service account of the organization whose document lists it unexpired. */
async function opened(deps: BearerDeps, userId: string, secretId: string): Promise<BearerCaller | undefined> {
	const user = await deps.accounts.user(userId);
	const orgId = user?.service ? user.managedBy : undefined;
	const state = orgId === undefined ? undefined : await deps.hub.orgState(orgId);
	if (!user || orgId === undefined || !state || !secretOpens(state, user.id, secretId, deps.now())) return undefined;
	return { user, orgId, secretId };
}
