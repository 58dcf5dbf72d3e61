import { z } from 'zod';
import {
	Id,
	NOT_A_MEMBER,
	parseMutation,
	Preview,
	PREVIEW_MAX_CHANGES,
	refuse,
	serverOnlyRefusal,
	type Mutation,
	type PreviewVerdict
} from '$lib/domain/index.ts';
import type { SyncHub } from '../hub.ts';
import type { HttpApp } from './deps.ts';
import { json, spendBudget } from './io.ts';
import { orgFor } from './org-access.ts';
import { refused } from './status.ts';
import { HttpError, type SignedInRequest } from './types.ts';

/** How many mutations one preview checks: a CSV's worth, not a flood. */
export const PREVIEW_MAX = 200;

/** One mutation as POST …/mutations takes it, or several in order (what a batch would change as a whole). */
export const PreviewRequest = z
	.strictObject({
		mutation: z.unknown().optional(),
		mutations: z
			.array(z.unknown())
			.min(1, 'Send at least one mutation')
			.max(PREVIEW_MAX, `Preview at most ${PREVIEW_MAX} mutations at once`)
			.optional()
	})
	.refine((b) => (b.mutation === undefined) !== (b.mutations === undefined), 'Send `mutation` or `mutations`, not both and not neither');
export type PreviewRequest = z.infer<typeof PreviewRequest>;

/** The preview as documented: the mutation JSON is the one POST …/mutations takes. */
export const PreviewRequestDoc = z.union([
	z.strictObject({ mutation: z.unknown() }),
	z.strictObject({ mutations: z.array(z.unknown()).min(1).max(PREVIEW_MAX) })
]);
export const PreviewAnswer = Preview;

/**
 * What the mutations would change of whose access, checked in turn against what the server has
 * committed, as `userId` may read it (domain/preview.ts); nothing is written. An entry that is not a
 * mutation the caller may send here (malformed, server-only, another organization's) gets its
 * refusal as its verdict and changes nothing, as a refused one does.
 */
export async function previewEntries(hub: SyncHub, userId: string, orgId: string, body: PreviewRequest, sessionHash?: string) {
	const entries: unknown[] = body.mutations ?? [body.mutation];
	const early: (PreviewVerdict | undefined)[] = [];
	const mutations: Mutation[] = [];
	for (const entry of entries) {
		// As POST …/mutations answers: server-only first, then the shape, then the organization.
		const parsed = serverOnlyRefusal(entry) ?? parseMutation(entry);
		const elsewhere = parsed.ok && parsed.mutation.orgId !== orgId;
		const refusal = !parsed.ok
			? parsed
			: elsewhere
				? refuse('INVALID_MUTATION', `The mutation names another organization than the URL (${orgId}).`)
				: undefined;
		early.push(refusal);
		if (parsed.ok && !refusal) mutations.push(parsed.mutation);
	}
	const preview = await hub.preview(userId, orgId, mutations, sessionHash);
	if (!preview) throw refused(NOT_A_MEMBER);
	if (preview === 'too large') {
		const message = `These changes touch more than ${PREVIEW_MAX_CHANGES.toLocaleString('en')} rows, too many to preview at once: preview them in smaller batches.`;
		throw new HttpError(413, 'PREVIEW_TOO_LARGE', message);
	}
	const checked = preview.verdicts[Symbol.iterator]();
	const verdicts = early.map((v) => v ?? checked.next().value!);
	const answer: z.input<typeof PreviewAnswer> = { verdicts, gains: preview.gains, losses: preview.losses };
	return answer;
}

export const OrgPath = z.strictObject({ org: Id });

/**
 * POST /api/orgs/{org}/preview: the same preview for a console session (the console itself previews
 * locally). The organization is named by the path, not the body, so it is asked for here.
 */
export async function previewForSession(
	{ deps }: HttpApp,
	{ res, me, query, body }: SignedInRequest<PreviewRequest, z.infer<typeof OrgPath>>
) {
	spendBudget(deps.hub, me.user.id);
	await orgFor(deps, me, query.org, { view: 'preview' });
	json(res, 200, await previewEntries(deps.hub, me.user.id, query.org, body, me.hash));
}
