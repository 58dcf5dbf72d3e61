import type { IncomingMessage, ServerResponse } from 'node:http';
import { publicProfile, SESSION_MAX_AGE_S, sessionAlive, SESSIONS_PER_USER } from '$lib/domain/index.ts';
import { newToken, tokenHash } from '../auth.ts';
import type { AccountStore, SessionRow } from '../storage/accounts.ts';
import type { HttpDeps } from './deps.ts';
import type { SignedIn } from './types.ts';

/** For the hub: the session if it exists and is live (its step-up is read with it); an ended one is deleted. */
export async function sessionLive(
	accounts: Pick<AccountStore, 'session' | 'deleteSession'>,
	now: number,
	hash: string
): Promise<SessionRow | undefined> {
	const session = await accounts.session(hash);
	if (!session) return undefined;
	if (sessionAlive(session.created_at, now)) return session;
	await accounts.deleteSession(hash);
	return undefined;
}

/** The signed-in user of a request and its session's hash, from the session cookie; an ended session is deleted. */
export async function signedIn({ accounts, edge, now }: HttpDeps, req: IncomingMessage): Promise<SignedIn | undefined> {
	const token = edge.sessionToken(req);
	if (!token) return undefined;
	const hash = tokenHash(token);
	const session = await accounts.session(hash);
	if (!session) return undefined;
	if (!sessionAlive(session.created_at, now())) {
		await accounts.deleteSession(hash);
		return undefined;
	}
	const user = await accounts.user(session.user_id);
	// rules §5: a service account never holds a session (none is ever made for one; this keeps it so).
	return user && !user.service ? { user: publicProfile(user), hash } : undefined;
}

/**
 * `steppedUp`: signed in with a two-factor code, which also confirms sensitive changes for a while.
 * `ssoProvider`: signed in through that identity provider (rules §2 required single sign-on).
 */
export async function startSession(
	{ accounts, hub, edge, now }: HttpDeps,
	res: ServerResponse,
	userId: string,
	steppedUp = false,
	ssoProvider?: string
) {
	const { token, hash } = newToken();
	// Each sign-in is a row and a little memory: a user who signs in again and again ends its oldest sessions.
	const ended = await accounts.insertSession(hash, userId, now(), steppedUp, SESSIONS_PER_USER, ssoProvider);
	for (const h of ended) hub.endSession(h);
	res.appendHeader('set-cookie', edge.sessionCookie(token, SESSION_MAX_AGE_S));
}

/** Ends the request's session (if any) and clears its cookie. */
export async function endSession({ accounts, hub, edge }: HttpDeps, req: IncomingMessage, res: ServerResponse) {
	const token = edge.sessionToken(req);
	if (token) {
		const hash = tokenHash(token);
		await accounts.deleteSession(hash);
		hub.endSession(hash);
	}
	res.setHeader('set-cookie', edge.sessionCookie('', 0));
}
