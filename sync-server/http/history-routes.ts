import { z } from 'zod';
import { OrgRole, ProjectRole, diffBetween, reportAt, type AccessDiff, type AccessReport, type ReadLog } from '$lib/domain/index.ts';
import type { HttpDeps, OrgRequest } from './deps.ts';
import { json, spendBudget } from './io.ts';
import { replayGate } from './replay-gate.ts';
import { HttpError } from './types.ts';

/**
 * rules §2 "History": an organization's access as of a moment, and what changed between two, rebuilt
 * from its log for owners and read-only members. Each request replays the log once, a page at a
 * time (memory: the rebuilt organization and one page); nothing is cached between requests. Replays
 * go through the server's gate (replay-gate.ts): one per user and per organization at a time, a few at once.
 */

/** Batches read from the store at a time. */
const PAGE = 500;

/** A query's time; an empty one (`at=`) is none, not the moment 0. */
const Millis = (name: string) =>
	z.preprocess(
		(v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
		z.coerce
			.number({ error: `Give \`${name}\` as a time in milliseconds since 1970 (for example 1790000000000).` })
			.int(`Give \`${name}\` as a whole number of milliseconds since 1970.`)
			.min(0, `\`${name}\` is a time in milliseconds since 1970, not before.`)
			.max(8.64e15, `\`${name}\` lies beyond the last date there is.`)
	);

export const HistoryMoment = z.strictObject({ at: Millis('at') });
export const HistoryRange = z.strictObject({ from: Millis('from'), to: Millis('to') });
export const HistoryQuery = HistoryMoment.extend({ org: z.string().min(1).max(64) });
export const HistoryDiffQuery = HistoryRange.extend({ org: z.string().min(1).max(64) });

const iso = (ms: number) => new Date(ms).toISOString();

function notAhead(deps: HttpDeps, name: string, at: number) {
	if (at > deps.now())
		throw new HttpError(400, 'MOMENT_IN_FUTURE', `\`${name}\` (${iso(at)}) is in the future: history reaches up to now.`);
}

function beforeStart(since: number | null): never {
	throw new HttpError(
		409,
		'BEFORE_HISTORY',
		since === null
			? 'This organization has no history yet: Roster records one from its next change on.'
			: `This organization's history starts at ${iso(since)}: Roster kept no times for its changes before then.`
	);
}

const reader =
	(deps: HttpDeps, orgId: string): ReadLog =>
	(after) =>
		deps.documents.history(orgId, after, PAGE);

/** The report at `at` (not in the future, not before the history starts). */
export async function historyReport(
	deps: HttpDeps,
	userId: string,
	orgId: string,
	{ at }: z.infer<typeof HistoryMoment>
): Promise<AccessReport> {
	notAhead(deps, 'at', at);
	const got = await replayGate(deps).run(userId, orgId, () => reportAt(reader(deps, orgId), { at }));
	if (!('report' in got)) beforeStart(got.beforeStart);
	return got.report;
}

/** The diff from `from` to `to`, each change's sender named (from the account, once it left the organization). */
export async function historyDiff(
	deps: HttpDeps,
	userId: string,
	orgId: string,
	{ from, to }: z.infer<typeof HistoryRange>
): Promise<AccessDiff> {
	if (from > to)
		throw new HttpError(400, 'BAD_RANGE', `\`from\` (${iso(from)}) is after \`to\` (${iso(to)}): give the earlier moment first.`);
	notAhead(deps, 'to', to);
	const diff = await replayGate(deps).run(userId, orgId, () => diffBetween(reader(deps, orgId), { at: from }, { at: to }));
	if (!('lines' in diff)) beforeStart(diff.beforeStart);
	const unnamed = [...new Set(diff.lines.flatMap((l) => (l.by && l.by.by && l.by.username === null ? [l.by.by] : [])))];
	const names = new Map(await Promise.all(unnamed.map(async (id) => [id, (await deps.accounts.user(id))?.username ?? null] as const)));
	for (const l of diff.lines) if (l.by && l.by.username === null) l.by.username = names.get(l.by.by) ?? null;
	return diff;
}

/** GET /api/orgs/{org}/history?at=: a replay costs the sender a frame of its budget, as a change does. */
export async function history({ deps }: { deps: HttpDeps }, { res, me, query }: OrgRequest<undefined, z.infer<typeof HistoryQuery>>) {
	spendBudget(deps.hub, me.user.id);
	json(res, 200, await historyReport(deps, me.user.id, query.org, query));
}

/** GET /api/orgs/{org}/history/diff?from=&to= */
export async function historyDiffRoute(
	{ deps }: { deps: HttpDeps },
	{ res, me, query }: OrgRequest<undefined, z.infer<typeof HistoryDiffQuery>>
) {
	spendBudget(deps.hub, me.user.id);
	json(res, 200, await historyDiff(deps, me.user.id, query.org, query));
}

const Named = z.object({ id: z.string(), name: z.string() });
const Person = z.object({ userId: z.string(), username: z.string() });
const Moment = z.union([z.object({ at: z.number() }), z.object({ seq: z.number(), entries: z.number().optional() })]);
/** The report as answered (the domain's AccessReport: people and teams by id; effective access follows from roles, teams and assignments), for the OpenAPI document. */
export const HistoryAnswer = z.object({
	org: z.object({ id: z.string(), name: z.string(), status: z.string(), primaryAdminId: z.string() }).nullable(),
	moment: Moment,
	seq: z.number(),
	since: z.number().nullable(),
	members: z.array(
		Person.extend({ email: z.string(), displayName: z.string(), role: OrgRole, primaryAdmin: z.boolean(), teams: z.array(z.string()) })
	),
	teams: z.array(Named.extend({ members: z.array(z.string()) })),
	projects: z.array(
		Named.extend({
			status: z.enum(['active', 'closed']),
			users: z.array(z.object({ userId: z.string(), roles: z.array(ProjectRole) })),
			teams: z.array(z.object({ teamId: z.string(), roles: z.array(ProjectRole) })),
			invitations: z.array(z.object({ id: z.string(), email: z.string(), roles: z.array(ProjectRole), expiresAt: z.number() }))
		})
	),
	invitations: z.array(z.object({ id: z.string(), email: z.string(), role: OrgRole, teams: z.array(z.string()), expiresAt: z.number() }))
});

const Fact = z.union([
	z.object({ kind: z.literal('orgRole'), person: Person, role: OrgRole }),
	z.object({ kind: z.literal('team'), person: Person, team: Named }),
	z.object({ kind: z.literal('projectRole'), person: Person, project: Named, role: ProjectRole }),
	z.object({ kind: z.literal('invitation'), id: z.string(), email: z.string(), project: Named.nullable(), roles: z.array(z.string()) })
]);

/** The diff as answered (the domain's AccessDiff): `by.by` is the sender's user id, '' for the server's own changes. */
export const HistoryDiffAnswer = z.object({
	from: z.object({ moment: Moment, seq: z.number() }),
	to: z.object({ moment: Moment, seq: z.number() }),
	since: z.number().nullable(),
	lines: z.array(
		z.object({
			change: z.enum(['gained', 'lost']),
			fact: Fact,
			by: z
				.object({
					by: z.string(),
					username: z.string().nullable(),
					mutationId: z.string(),
					type: z.string(),
					at: z.number().nullable(),
					seq: z.number(),
					entry: z.number()
				})
				.nullable()
		})
	)
});
