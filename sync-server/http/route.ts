import type { z } from 'zod';
import type { HttpAct, RouteView } from '$lib/domain/index.ts';
import type { HttpApp, OrgRequest } from './deps.ts';
import type { RouteRequest, SignedInRequest } from './types.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

/**
 * What a route does to the organization its query or body names (`org`), asked of the domain
 * before the handler runs, after the session's timeouts there: a view (the role table), or an
 * act (the role table, the organization's required two-factor, and a step-up where sensitive).
 */
export type OrgNeed = { view: RouteView } | { act: HttpAct };

type Handled<S, B, Q, O> = S extends true
	? O extends OrgNeed
		? OrgRequest<Infer<B>, Infer<Q>>
		: SignedInRequest<Infer<B>, Infer<Q>>
	: RouteRequest<Infer<B>, Infer<Q>>;

interface RouteSpec<S extends boolean, B, Q, O> {
	method: Method;
	path: string;
	/** Needs a live session: without one the answer is 401 UNAUTHENTICATED, before anything else is read. */
	session: S;
	/** The query's schema; checked after the session. */
	query?: Q;
	/** The JSON body's schema (strict objects: an unknown field is refused by name); without one no body is read. */
	body?: B;
	/** Needs the session, and a query or body with `org`. */
	org?: O;
	handle: (app: HttpApp, r: Handled<S, B, Q, O>) => Promise<void> | void;
}

/** One row of the route table. */
export type Route = RouteSpec<boolean, z.ZodType | undefined, z.ZodType | undefined, OrgNeed | undefined>;

type OrgSchema = z.ZodType<{ org: string }>;

/** A row whose handler is checked against its schemas, its need of a session, and of an organization. */
export function route<
	S extends boolean,
	B extends z.ZodType | undefined = undefined,
	Q extends z.ZodType | undefined = undefined,
	O extends OrgNeed | undefined = undefined
>(spec: RouteSpec<S, B, Q, O> & (O extends OrgNeed ? { session: true } & ({ query: OrgSchema } | { body: OrgSchema }) : unknown)): Route {
	return spec as unknown as Route;
}
