import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { unknownFields } from '$lib/domain/index.ts';
import { HttpError } from './types.ts';

const MAX_BODY = 64 * 1024;

export const unauthenticated = () => new HttpError(401, 'UNAUTHENTICATED', 'You are not signed in.');

export const usernameTaken = (username: string) => new HttpError(409, 'USERNAME_TAKEN', `The username “${username}” is taken.`);

/** 429 with retry-after; `what` names what there were too many of. */
export function rateLimited(waitMs: number, what: string) {
	const s = Math.ceil(waitMs / 1000);
	return new HttpError(429, 'RATE_LIMITED', `Too many ${what}. Try again in ${Math.ceil(s / 60)} minute(s).`, {
		'retry-after': String(s)
	});
}

export function json(res: ServerResponse, status: number, body: unknown) {
	res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
	res.end(JSON.stringify(body));
}

/** Body schemas are strict objects: a field the route does not take is refused by name, not ignored. */
export function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
	const r = schema.safeParse(input);
	if (r.success) return r.data;
	const root = r.error.issues.find((i) => i.path.length === 0 && i.code === 'invalid_type');
	const unknown = unknownFields(r.error);
	throw new HttpError(
		400,
		'INVALID_INPUT',
		root ? 'Send a JSON object.' : unknown ? `${unknown}.` : r.error.issues.map((i) => i.message).join('; ')
	);
}

/** `types`: the media types taken (SCIM clients send application/scim+json). */
export async function readJson(req: IncomingMessage, types: readonly string[] = ['application/json']): Promise<unknown> {
	const type = req.headers['content-type'] ?? '';
	if (!types.some((t) => type.startsWith(t))) {
		// Also keeps cross-site form posts out: they cannot send this content type without CORS.
		throw new HttpError(415, 'UNSUPPORTED', 'Send JSON (content-type: application/json).');
	}
	let size = 0;
	const chunks: Buffer[] = [];
	try {
		for await (const chunk of req) {
			size += (chunk as Buffer).length;
			if (size > MAX_BODY) throw new HttpError(413, 'TOO_LARGE', 'The request body is too large.');
			chunks.push(chunk as Buffer);
		}
	} catch (err) {
		if (err instanceof HttpError) throw err;
		// The client went away mid-body: nobody is left to answer, but it is a refusal, not a failure.
		throw new HttpError(400, 'INCOMPLETE_BODY', 'The request body ended before it was complete.');
	}
	try {
		return JSON.parse(Buffer.concat(chunks).toString('utf8'));
	} catch {
		throw new HttpError(400, 'INVALID_JSON', 'The request body is not valid JSON.');
	}
}

/** An HTTP write costs its user a frame of the budget its sockets share (SyncHub.spend); 429 when it is spent. */
export function spendBudget(hub: { spend(userId: string): number }, userId: string) {
	const wait = hub.spend(userId);
	if (wait > 0) throw rateLimited(wait, 'changes at once');
}
