import type { z } from 'zod';
import type { HttpApp } from './deps.ts';
import type { Request, SignedInRequest } from './types.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

interface RouteSpec<S extends boolean, B, Q> {
	method: Method;
	path: string;
	/** Needs a live session: without one the answer is 401 UNAUTHENTICATED, before anything else is read. */
	session: S;
	/** The query's schema; checked after the session. */
	query?: Q;
	/** The JSON body's schema (strict objects: an unknown field is refused by name); without one no body is read. */
	body?: B;
	handle: (app: HttpApp, r: S extends true ? SignedInRequest<Infer<B>, Infer<Q>> : Request<Infer<B>, Infer<Q>>) => Promise<void> | void;
}

/** One row of the route table. */
export type Route = RouteSpec<boolean, z.ZodType | undefined, z.ZodType | undefined>;

/** A row whose handler is checked against its schemas and its need of a session. */
export function route<S extends boolean, B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
	spec: RouteSpec<S, B, Q>
): Route {
	return spec as unknown as Route;
}
