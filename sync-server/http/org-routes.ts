import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { EntryNames, membersCsv, orgExport } from '$lib/domain/index.ts';
import type { HttpApp, HttpDeps, OrgRequest } from './deps.ts';
import { json } from './io.ts';

/** What an organization's members may read of it beside its documents: the activity feed, an export, how its webhook's last delivery went. */

export const ActivityQuery = z.object({
	org: z.string().min(1).max(64),
	user: z.string().max(64).optional(),
	teamId: z.string().max(64).optional(),
	projectId: z.string().max(64).optional(),
	kind: z.string().max(64).optional(),
	before: z.coerce.number().int().positive().optional(),
	limit: z.coerce.number().int().min(1).max(200).default(50)
});
export const ExportQuery = z.object({ org: z.string().min(1).max(64), format: z.enum(['json', 'csv']).default('json') });

/** The names an entry recorded (none for one recorded before names were kept). */
function recorded(json: string | null): EntryNames | undefined {
	const parsed = json === null ? undefined : EntryNames.safeParse(JSON.parse(json));
	return parsed?.success ? parsed.data : undefined;
}

/** The activity feed's filters and cursor, as the console and the HTTP API send them. */
export const ActivityFilter = ActivityQuery.omit({ org: true });

export const ActivityAnswer = z.object({
	entries: z.array(
		z.object({
			seq: z.number(),
			at: z.number(),
			actor: z.object({ id: z.string(), username: z.string() }),
			type: z.string(),
			mutation: z.unknown(),
			names: EntryNames.nullable(),
			ok: z.boolean(),
			code: z.string().nullable(),
			message: z.string().nullable()
		})
	),
	/** Whether there are older entries: ask again with `before` set to the last entry's seq. */
	more: z.boolean()
});

/**
 * Every accepted and refused mutation of an organization, newest first, each with the names it mentions as they were
 * then (its actor's too); the current username for older entries.
 */
export async function activityEntries(
	deps: HttpDeps,
	orgId: string,
	q: z.infer<typeof ActivityFilter>
): Promise<z.input<typeof ActivityAnswer>> {
	const user = q.user ? await deps.accounts.user(q.user) : undefined;
	const rows = await deps.documents.activity(orgId, { ...q, user: user && { id: user.id, username: user.username }, limit: q.limit });
	return {
		entries: rows.map((r) => {
			const names = recorded(r.names);
			return {
				seq: r.seq,
				at: r.at,
				actor: { id: r.user_id, username: names?.actor ?? r.username ?? 'a deleted user' },
				type: r.type,
				mutation: JSON.parse(r.body) as unknown,
				names: names ?? null,
				ok: r.ok === 1,
				code: r.code,
				message: r.message
			};
		}),
		more: rows.length === q.limit
	};
}

/** GET /api/activity: the feed, for owners and read-only members. */
export async function activity({ deps }: HttpApp, { res, query: q }: OrgRequest<undefined, z.infer<typeof ActivityQuery>>) {
	json(res, 200, await activityEntries(deps, q.org, q));
}

/** GET /api/export: the organization's data as JSON, or its member list as CSV: owners only (the role table's org.export). */
export function exportOrg({ deps }: HttpApp, { res, org: state, query: q }: OrgRequest<undefined, z.infer<typeof ExportQuery>>) {
	const name = (state.org()?.name ?? 'organization').replace(/[^\w.-]+/g, '-');
	const [body, type, file] =
		q.format === 'csv'
			? [membersCsv(state), 'text/csv; charset=utf-8', `${name}-members.csv`]
			: [JSON.stringify(orgExport(state, deps.now()), null, 2), 'application/json', `${name}.json`];
	res.writeHead(200, { 'content-type': type, 'content-disposition': `attachment; filename="${file}"`, 'cache-control': 'no-store' });
	res.end(body);
}

/** GET /api/webhook-delivery: the latest delivery to the webhook set (null: none yet), for the primary admin who set it. */
export async function webhookDelivery({ deps }: HttpApp, { res, query: q }: OrgRequest<undefined, { org: string }>) {
	const d = await deps.documents.lastDelivery(q.org);
	json(res, 200, {
		delivery: d
			? { ...d, ok: d.status !== null && d.status >= 200 && d.status < 300, statusText: d.status && (STATUS_CODES[d.status] ?? '') }
			: null
	});
}
