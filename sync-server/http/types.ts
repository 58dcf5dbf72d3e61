import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserProfile } from '$lib/domain/index.ts';

/** A refusal: its status, a stable code, and a sentence a person understands. */
export class HttpError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly headers: Record<string, string> = {}
	) {
		super(message);
	}
}

/** The signed-in user of a request and its session's hash. */
export interface SignedIn {
	user: UserProfile;
	hash: string;
}

/** One request as a route's handler sees it: the body and query already checked against the route's schemas. */
export interface RouteRequest<Body = unknown, Query = unknown> {
	req: IncomingMessage;
	res: ServerResponse;
	url: URL;
	body: Body;
	query: Query;
}

/** A request of a route that needs a session: the router answered 401 without one. */
export interface SignedInRequest<Body = unknown, Query = unknown> extends RouteRequest<Body, Query> {
	me: SignedIn;
}
