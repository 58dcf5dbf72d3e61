import { expect } from 'vitest';
import type { TestServer } from './test-client.ts';

/** What the console's Service accounts page sends, and what a script sends with a secret (rules §5). */

export function send(t: TestServer, method: string, path: string, cookie: string, body?: unknown) {
	return fetch(new URL(path, t.base), {
		method,
		headers: { 'content-type': 'application/json', cookie },
		...(body === undefined ? {} : { body: JSON.stringify(body) })
	});
}

/** Creates a service account as the owner holding `cookie`; answers its user id. */
export async function createAccount(
	t: TestServer,
	cookie: string,
	body: { org?: string; username: string; role: string; description?: string; projects?: { projectId: string; roles: string[] }[] }
): Promise<string> {
	const res = await send(t, 'POST', '/api/service-accounts', cookie, { org: 'acme', ...body });
	expect(res.status, await res.clone().text()).toBe(201);
	return ((await res.json()) as { account: { userId: string } }).account.userId;
}

/** A new secret for the account: its text, shown this once. */
export async function createSecret(t: TestServer, cookie: string, userId: string, expiresInDays?: number, org = 'acme') {
	const res = await send(t, 'POST', '/api/service-accounts/secrets', cookie, { org, userId, ...(expiresInDays ? { expiresInDays } : {}) });
	expect(res.status, await res.clone().text()).toBe(201);
	return (await res.json()) as { secret: string; secretId: string; expiresAt: number };
}

/** A request of the HTTP API with a bearer secret (none: no Authorization header). */
export function api(t: TestServer, secret: string | undefined, method: string, path: string, body?: unknown) {
	return fetch(new URL(path, t.base), {
		method,
		headers: {
			...(secret ? { authorization: `Bearer ${secret}` } : {}),
			...(body === undefined ? {} : { 'content-type': 'application/json' })
		},
		...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) })
	});
}

/** A refusal's status and code, and that it says something. */
export async function refusal(res: Response, status: number, code: string): Promise<string> {
	const body = (await res.json()) as { code: string; message: string };
	expect({ status: res.status, code: body.code }).toEqual({ status, code });
	expect(body.message).toMatch(/^\S.{10,}$/);
	return body.message;
}
