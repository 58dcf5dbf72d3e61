import type { IncomingMessage, ServerResponse } from 'node:http';
import { Id, mayProvision, NOT_A_MEMBER } from '$lib/domain/index.ts';

import { authenticateBearer } from './bearer.ts';
import type { HttpDeps } from './deps.ts';
import { spendBudget } from './io.ts';
import { matchPath } from './path-params.ts';
import { GROUP_ROUTES } from './scim-groups.ts';
import type { ScimRoute } from './scim-request.ts';
import { USER_ROUTES } from './scim-users.ts';
import { ScimError, scimError } from './scim-wire.ts';
import { refused } from './status.ts';
import { HttpError } from './types.ts';

/**
 * rules §5, provisioning (docs/scim.md): SCIM 2.0 at /scim/v2/orgs/{orgId}, opened by the secret of
 * a service account that is an Organization Owner of that organization. Each change is a mutation
 * sent through the hub as that account, so the same rules, activity feed and broadcast apply.
 */

const PREFIX = '/scim/v2/orgs/{orgId}';
const ROUTES: readonly ScimRoute[] = [...USER_ROUTES, ...GROUP_ROUTES];

function find(method: string | undefined, path: string) {
	for (const route of ROUTES) {
		const params = route.method === method ? matchPath(PREFIX + route.path, path) : undefined;
		if (params) return { route, params };
	}
	return undefined;
}

/** Serves a request under /scim/v2/: every answer, refusals included, in SCIM's shapes; nothing thrown reaches the router. */
export async function serveScim(deps: HttpDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
	try {
		const found = find(req.method, url.pathname);
		if (!found) throw new ScimError(404, `No SCIM resource at ${req.method} ${url.pathname}.`);
		const orgId = found.params.orgId!;
		const caller = await authenticateBearer(deps, req.headers.authorization);
		spendBudget(deps.hub, caller.user.id);
		await deps.accounts.touchServiceSecret(caller.secretId, deps.now());
		// Another organization answers as a missing one does (invariant 10).
		const state = Id.safeParse(orgId).success && orgId === caller.orgId ? await deps.hub.orgState(orgId) : undefined;
		if (!state) throw refused(NOT_A_MEMBER);
		if (!mayProvision(state.member(caller.user.id))) {
			throw new HttpError(403, 'NOT_PROVISIONER', 'Only a service account that is an Organization Owner provisions users and groups.');
		}
		const base = `${deps.publicUrl().replace(/\/$/, '')}/scim/v2/orgs/${orgId}`;
		await found.route.handle({ deps, req, res, url, orgId, id: found.params.id, caller, state, base });
	} catch (err) {
		if (!(err instanceof HttpError)) console.error('scim error', err);
		scimError(res, err instanceof HttpError ? err : new HttpError(500, 'INTERNAL', 'Something went wrong on the server.'));
	}
}
