import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { BearerCaller } from './bearer.ts';
import type { HttpDeps, OrgDoc } from './deps.ts';

/** One request of the HTTP API as its handler sees it: the caller authenticated, its organization loaded, input checked. */
export interface ApiRequest<Body, Query> {
	deps: HttpDeps;
	req: IncomingMessage;
	res: ServerResponse;
	params: { orgId: string };
	query: Query;
	body: Body;
	caller: BearerCaller;
	state: OrgDoc;
}

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

/**
 * One row of the HTTP API's table, which both serves the API and writes its OpenAPI document: a
 * path with `{orgId}`, its query and body schemas (strict: an unknown field is refused by name),
 * the answer's schema, and the refusal codes it may answer beside the ones every route may.
 */
export interface ApiRouteSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined> {
	method: 'GET' | 'POST';
	path: `/api/v1/orgs/{orgId}${string}`;
	summary: string;
	description: string;
	query?: Q;
	body?: B;
	/** The body as the document describes it, when what is parsed here is checked further on (a mutation). */
	bodyDoc?: z.ZodType;
	answer: z.ZodType;
	/** Refusals beside 400 INVALID_INPUT, 401, 403 NOT_A_MEMBER and 429: status → what they mean. */
	refusals?: Record<number, string>;
	handle: (r: ApiRequest<Infer<B>, Infer<Q>>) => Promise<void> | void;
}

export type ApiRoute = ApiRouteSpec<z.ZodType | undefined, z.ZodType | undefined>;

export function apiRoute<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
	spec: ApiRouteSpec<B, Q>
): ApiRoute {
	return spec as unknown as ApiRoute;
}
