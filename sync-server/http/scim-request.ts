import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { Mutation } from '$lib/domain/index.ts';
import type { BearerCaller } from './bearer.ts';
import type { HttpDeps, OrgDoc } from './deps.ts';
import { parse, readJson } from './io.ts';
import { refused } from './status.ts';
import { serverMutationId } from '../server-ids.ts';

/** One SCIM request as its handler sees it (scim.ts authenticated it and loaded the organization), and what handlers share. */

export interface ScimRequest {
	deps: HttpDeps;
	req: IncomingMessage;
	res: ServerResponse;
	url: URL;
	orgId: string;
	/** The resource id in the path, if any. */
	id?: string;
	caller: BearerCaller;
	state: OrgDoc;
	/** Where the organization's SCIM resources live, for `meta.location`. */
	base: string;
}

export interface ScimRoute {
	method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
	path: `/${string}`;
	handle: (r: ScimRequest) => Promise<void>;
}

/** The request body, parsed by `schema` (SCIM and plain JSON both taken). */
export async function scimBody<T extends z.ZodType>(req: IncomingMessage, schema: T): Promise<z.infer<T>> {
	return parse(schema, await readJson(req, ['application/scim+json', 'application/json']));
}

/** One mutation as the service account; a refusal answers in the SCIM error schema with the rule's sentence. */
export async function submit(r: ScimRequest, key: string, mutation: Mutation) {
	const verdict = await r.deps.hub.submitAndWait(r.caller.user.id, serverMutationId('scim', key), mutation);
	if (!verdict.ok) throw refused(verdict);
}
