import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { Id, Mutation, NOT_A_MEMBER, mayView, refuse, serverOnlyRefusal } from '$lib/domain/index.ts';
import {
	ActivityAnswer,
	ActivityFilter,
	InvitationsAnswer,
	MembersAnswer,
	OrganizationAnswer,
	ProjectsAnswer,
	TeamsAnswer,
	readActivity,
	readInvitations,
	readMembers,
	readOrganization,
	readProjects,
	readTeams
} from './api-v1-reads.ts';
import { HistoryAnswer, HistoryDiffAnswer, HistoryMoment, HistoryRange, historyDiff, historyReport } from './history-routes.ts';
import { apiRoute, type ApiRequest, type ApiRoute, type ApiRouteSpec } from './api-v1-route.ts';
import { authenticateBearer } from './bearer.ts';
import type { HttpDeps } from './deps.ts';
import { json, parse, readJson, spendBudget } from './io.ts';
import { matchPath } from './path-params.ts';
import { PreviewAnswer, PreviewRequest, PreviewRequestDoc, previewEntries, PREVIEW_MAX } from './preview-route.ts';
import { refused } from './status.ts';

/**
 * rules §5, the HTTP API (docs/api.md): a service account's secret opens its own organization,
 * to read what a member of its role reads and to send the mutations the console sends, through
 * the same hub, checks, activity feed and broadcast.
 */

/** The idempotency id: the same id from the same account is answered with the first verdict and applied once. */
const MutationId = z
	.string({ error: 'Send an id (1–64 characters of A–Z a–z 0–9 _ - . :)' })
	.regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'An id is 1–64 characters of A–Z a–z 0–9 _ - . :');

const MutationRequest = z.strictObject({ id: MutationId, mutation: z.unknown() });
const MutationDoc = z.strictObject({ id: MutationId, mutation: Mutation });
const MutationAnswer = z.object({ ok: z.literal(true) });

const NoQuery = z.strictObject({});

/** POST …/mutations: the verdict, as the websocket gives it (server-only mutations are refused here as there). */
async function mutate({ deps, res, params, body, caller }: ApiRequest<z.infer<typeof MutationRequest>, undefined>) {
	const serverOnly = serverOnlyRefusal(body.mutation);
	if (serverOnly) throw refused(serverOnly);
	const named = (body.mutation as { orgId?: unknown } | null)?.orgId;
	if (typeof named === 'string' && named !== params.orgId) {
		throw refused(refuse('INVALID_MUTATION', `The mutation names another organization than the URL (${params.orgId}).`));
	}
	const verdict = await deps.hub.submitAndWait(caller.user.id, body.id, body.mutation);
	if (!verdict.ok) throw refused(verdict);
	json(res, 200, { ok: true });
}

/** POST …/preview: what the mutations would change of whose access, as the account may read it; nothing is written. */
async function preview({ deps, res, params, body, caller }: ApiRequest<PreviewRequest, undefined>) {
	json(res, 200, await previewEntries(deps.hub, caller.user.id, params.orgId, body));
}

const read = (path: '' | `/${string}`, summary: string, description: string, answer: z.ZodType, handle: ApiRoute['handle']) =>
	apiRoute({ method: 'GET', path: `/api/v1/orgs/{orgId}${path}`, summary, description, query: NoQuery, answer, handle });

export const API_V1: readonly ApiRoute[] = [
	apiRoute({
		method: 'POST',
		path: '/api/v1/orgs/{orgId}/mutations',
		summary: 'Send a mutation',
		description:
			'The same mutation JSON the console sends over its websocket, checked by the same rules and recorded in the activity as the service account. `id` makes it idempotent: sent again with the same id, it is answered with the first verdict and applied once.',
		body: MutationRequest,
		bodyDoc: MutationDoc,
		answer: MutationAnswer,
		refusals: {
			400: 'The mutation is unknown or malformed (`UNKNOWN_MUTATION`, `INVALID_MUTATION`), or a rule on its input says no.',
			403: 'The account’s role does not allow it (`FORBIDDEN`), the organization is closed or closing, or it is server-only.',
			404: 'What it names does not exist (`USER_NOT_FOUND`, `SERVICE_ACCOUNT_NOT_FOUND`, …).',
			409: 'The organization’s current state refuses it (`LAST_OWNER`, `TEAM_NAME_TAKEN`, …).'
		},
		handle: mutate
	}),
	apiRoute({
		method: 'POST',
		path: '/api/v1/orgs/{orgId}/preview',
		summary: 'Preview mutations',
		description: `What one mutation (\`mutation\`) or several in order (\`mutations\`, at most ${PREVIEW_MAX}) would change, checked by the same rules against what is committed, nothing written: each entry's verdict (a later entry sees the earlier accepted ones; a refused one changes nothing), and who gains and who loses which organization role, team, project roles (and through what) and invitation. Only what the account may read is shown: projects it cannot read are left out.`,
		body: PreviewRequest,
		bodyDoc: PreviewRequestDoc,
		answer: PreviewAnswer,
		refusals: {
			400:
				'The body holds neither `mutation` nor 1–' +
				PREVIEW_MAX +
				' `mutations` (`INVALID_INPUT`); a malformed entry is refused in its verdict.',
			413: 'The accepted entries change more rows than one preview compares (`PREVIEW_TOO_LARGE`): preview them in smaller batches.'
		},
		handle: preview
	}),
	read(
		'',
		'Read the organization',
		'Its name, status, primary admin, security settings and secret policy.',
		OrganizationAnswer,
		readOrganization
	),
	read(
		'/members',
		'List the members',
		'Every member with its role and teams; service accounts have `service: true`.',
		MembersAnswer,
		readMembers
	),
	read('/teams', 'List the teams', 'Every team with its members’ user ids.', TeamsAnswer, readTeams),
	read(
		'/projects',
		'List the projects',
		'The projects the account may read (owners and Read Only: all; others: those giving it a role), with assignments, everyone’s effective access and where it comes from, and deployments.',
		ProjectsAnswer,
		readProjects
	),
	read(
		'/invitations',
		'List pending invitations',
		'To the organization, and to the projects the account may read.',
		InvitationsAnswer,
		readInvitations
	),
	apiRoute({
		method: 'GET',
		path: '/api/v1/orgs/{orgId}/activity',
		summary: 'Read the activity feed',
		description:
			'Every accepted and refused mutation, newest first, as the console’s Activity page shows it: for Organization Owners and Read Only accounts. Page with `before` (the last `seq` seen) while `more` is true.',
		query: z.strictObject(ActivityFilter.shape),
		answer: ActivityAnswer,
		refusals: { 403: 'The account’s role may not read the activity (`FORBIDDEN`).' },
		handle: readActivity
	}),
	historyRoute(
		{
			path: '/api/v1/orgs/{orgId}/history',
			summary: 'Read access as of a moment',
			description:
				'The organization as it was at `at` (milliseconds since 1970), rebuilt from its log of accepted changes: members with their role and teams, teams, projects with assignments and everyone’s effective access and where it comes from, pending invitations. For Organization Owners and Read Only accounts.',
			query: HistoryMoment,
			answer: HistoryAnswer,
			refusals: {
				400: 'The moment is not a time, or is in the future (`MOMENT_IN_FUTURE`).',
				409: 'The moment is before the history starts (`BEFORE_HISTORY`).'
			}
		},
		historyReport
	),
	historyRoute(
		{
			path: '/api/v1/orgs/{orgId}/history/diff',
			summary: 'Read what changed between two moments',
			description:
				'Who gained or lost which access (organization role, team membership, project role, invitation) between `from` and `to`, each change with the mutation that made it: its sender, id, type and time. For Organization Owners and Read Only accounts.',
			query: HistoryRange,
			answer: HistoryDiffAnswer,
			refusals: {
				400: 'A moment is not a time, is in the future (`MOMENT_IN_FUTURE`), or `from` is after `to` (`BAD_RANGE`).',
				409: '`from` is before the history starts (`BEFORE_HISTORY`).'
			}
		},
		historyDiff
	)
];

/** A read of the history (history-routes.ts): for the roles that may read it, answered with what `read` rebuilds from the log. */
function historyRoute<Q extends z.ZodType>(
	spec: Omit<ApiRouteSpec<undefined, Q>, 'method' | 'handle'>,
	read: (deps: HttpDeps, userId: string, orgId: string, query: z.infer<Q>) => Promise<unknown>
): ApiRoute {
	return apiRoute<undefined, Q>({
		...spec,
		method: 'GET',
		refusals: {
			...spec.refusals,
			403: 'The account’s role may not read the history (`FORBIDDEN`).',
			429: 'A report of this account is still being built, or too many are (`RATE_LIMITED`).'
		},
		handle: async (r) => {
			const refusal = mayView(r.state, r.caller.user.id, 'history.read');
			if (refusal) throw refused(refusal);
			json(r.res, 200, await read(r.deps, r.caller.user.id, r.params.orgId, r.query as z.infer<Q>));
		}
	});
}

/** Which route and parameters a request names; a known path with another method is no route. */
function find(method: string | undefined, path: string): { route: ApiRoute; orgId: string } | undefined {
	for (const route of API_V1) {
		const params = route.method === method ? matchPath(route.path, path) : undefined;
		if (params) return { route, orgId: params.orgId! };
	}
	return undefined;
}

/**
 * Serves a request under /api/v1/orgs/ (false if no route matches): the secret, the budget (per
 * account, shared with nothing else it does), the organization (its own only: any other answers
 * as a missing one does, invariant 10), the query and the body, then the handler.
 */
export async function serveApiV1(deps: HttpDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
	const found = find(req.method, url.pathname);
	if (!found) return false;
	const { route, orgId } = found;
	const caller = await authenticateBearer(deps, req.headers.authorization);
	spendBudget(deps.hub, caller.user.id);
	// Recorded once within the budget: a flood answered 429 writes nothing.
	await deps.accounts.touchServiceSecret(caller.secretId, deps.now());
	const state = Id.safeParse(orgId).success && orgId === caller.orgId ? await deps.hub.orgState(orgId) : undefined;
	if (!state) throw refused(NOT_A_MEMBER);
	const query = parse(route.query ?? z.strictObject({}), Object.fromEntries(url.searchParams));
	const body = route.body ? parse(route.body, await readJson(req)) : undefined;
	await route.handle({ deps, req, res, params: { orgId }, query, body, caller, state });
	return true;
}
