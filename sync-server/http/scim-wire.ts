import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Member, Team } from '$lib/domain/index.ts';
import { HttpError } from './types.ts';

/** RFC 7643/7644 as Roster speaks it (docs/scim.md): the resources, the list and error envelopes, filters, PATCH. */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** A SCIM error (RFC 7644 §3.12): its status, and the scimType when the RFC names one. */
export class ScimError extends HttpError {
	constructor(
		status: number,
		detail: string,
		readonly scimType?: string
	) {
		super(status, scimType ?? 'SCIM', detail);
	}
}

export function scimJson(res: ServerResponse, status: number, body: unknown) {
	res.writeHead(status, { 'content-type': 'application/scim+json', 'cache-control': 'no-store' });
	res.end(JSON.stringify(body));
}

/** Any refusal (the bearer check's, a parse's, a rule's) in the SCIM error schema. */
export function scimError(res: ServerResponse, e: HttpError) {
	const scimType = e instanceof ScimError ? e.scimType : e.status === 400 ? 'invalidValue' : e.status === 409 ? 'uniqueness' : undefined;
	if (res.headersSent) return res.end();
	res.writeHead(e.status, { 'content-type': 'application/scim+json', 'cache-control': 'no-store', ...e.headers });
	res.end(JSON.stringify({ schemas: [ERROR_SCHEMA], status: String(e.status), ...(scimType ? { scimType } : {}), detail: e.message }));
}

/** Identity providers send attributes Roster does not keep (locale, title, addresses…): they are let through and ignored. */
const Name = z.looseObject({
	formatted: z.string().max(100).optional(),
	givenName: z.string().max(100).optional(),
	familyName: z.string().max(100).optional()
});
/** Entra sends booleans as the strings "True" and "False". */
export const Active = z.union([z.boolean(), z.enum(['True', 'False', 'true', 'false']).transform((s) => s.toLowerCase() === 'true')]);
const MemberRef = z.looseObject({ value: z.string().max(64) });

export const ScimUserInput = z.looseObject({
	userName: z.string({ error: 'Send a userName (an email address)' }).trim().max(254),
	displayName: z.string().max(100).optional(),
	name: Name.optional(),
	active: Active.optional(),
	externalId: z.string().max(254).optional()
});
export type ScimUserInput = z.infer<typeof ScimUserInput>;

export const ScimGroupInput = z.looseObject({
	displayName: z.string({ error: 'Send a displayName' }).max(64),
	members: z.array(MemberRef).max(1000).optional(),
	externalId: z.string().max(254).optional()
});

export const PatchOp = z.looseObject({
	Operations: z
		.array(
			z.looseObject({
				op: z
					.string()
					.transform((s) => s.toLowerCase())
					.pipe(z.enum(['add', 'remove', 'replace'])),
				path: z.string().max(200).optional(),
				value: z.unknown().optional()
			})
		)
		.min(1)
		.max(1000)
});
export type PatchOperation = z.infer<typeof PatchOp>['Operations'][number];

/** The one name Roster shows: the displayName sent, else the formatted or given and family name. */
export function displayNameOf(input: { displayName?: string; name?: z.infer<typeof Name> }): string | undefined {
	const n = input.name;
	const joined = [n?.givenName, n?.familyName].filter(Boolean).join(' ');
	return (input.displayName || n?.formatted || joined || undefined)?.trim().slice(0, 100);
}

export function userResource(base: string, user: { id: string; email: string; displayName: string }, active: boolean, externalId?: string) {
	return {
		schemas: [USER_SCHEMA],
		id: user.id,
		...(externalId === undefined ? {} : { externalId }),
		userName: user.email,
		displayName: user.displayName,
		name: { formatted: user.displayName },
		emails: [{ value: user.email, primary: true }],
		active,
		meta: { resourceType: 'User', location: `${base}/Users/${user.id}` }
	};
}

export function groupResource(base: string, team: Team, members: readonly Member[]) {
	return {
		schemas: [GROUP_SCHEMA],
		id: team.id,
		displayName: team.name,
		members: members.map((m) => ({ value: m.userId, display: m.email, $ref: `${base}/Users/${m.userId}` })),
		meta: { resourceType: 'Group', created: new Date(team.createdAt).toISOString(), location: `${base}/Groups/${team.id}` }
	};
}

/** A list answer, paged as RFC 7644 §3.4.2.4 says (startIndex counts from 1). */
export function listResponse<T>(all: readonly T[], query: URLSearchParams) {
	const start = Math.max(1, Number.parseInt(query.get('startIndex') ?? '1', 10) || 1);
	const count = Math.min(1000, Math.max(0, Number.parseInt(query.get('count') ?? '100', 10) || 0));
	const page = all.slice(start - 1, start - 1 + count);
	return { schemas: [LIST_SCHEMA], totalResults: all.length, startIndex: start, itemsPerPage: page.length, Resources: page };
}

/** `attr eq "value"`, the one filter identity providers send; any other is refused as invalidFilter. */
export function parseFilter(filter: string | null, attributes: readonly string[]): { attribute: string; value: string } | undefined {
	if (filter === null) return undefined;
	const m = /^\s*([A-Za-z.]+)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter);
	const attribute = m && attributes.find((a) => a.toLowerCase() === m[1]!.toLowerCase());
	if (!m || !attribute) {
		throw new ScimError(400, `Roster filters by ${attributes.map((a) => `${a} eq "…"`).join(' or ')} only.`, 'invalidFilter');
	}
	return { attribute, value: m[2]!.replace(/\\(.)/g, '$1') };
}
