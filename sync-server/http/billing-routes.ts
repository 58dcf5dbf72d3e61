import { z } from 'zod';
import { Id, cardFromEntry, unpaidCents } from '$lib/domain/index.ts';
import type { HttpApp, OrgRequest } from './deps.ts';
import { json, rateLimited, readJson, spendBudget } from './io.ts';
import { refused } from './status.ts';
import type { SignedInRequest } from './types.ts';
import { serverMutationId } from '../server-ids.ts';

/** Cards and paying what is open. */

export const Pay = z.strictObject({ org: Id });

/**
 * POST /api/cards. rules §1: the card number and CVC are checked here and go no further; the
 * card.add mutation (recorded in the activity feed) holds brand, last 4 digits, expiry and holder.
 */
export async function addCard({ deps }: HttpApp, { req, res, me }: SignedInRequest) {
	const { hub, billing } = deps;
	spendBudget(hub, me.user.id);
	// The body after the budget: the card form's own check (cardFromEntry) refuses by its codes, not the router's.
	const body = await readJson(req);
	// `org` says where the card goes; the rest is the card form's, which cardFromEntry checks (and refuses any other field).
	const { org, ...fields } = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
	const cardId = crypto.randomUUID();
	const entry = cardFromEntry(fields, cardId, deps.now());
	if (!entry.ok) throw refused(entry);
	const { id, addedAt: _, ...card } = entry.card;
	const mutation = { type: 'card.add', orgId: org, cardId: id, ...card };
	const verdict = await hub.submitAndWait(me.user.id, serverMutationId('card', cardId), mutation, me.hash);
	if (!verdict.ok) throw refused(verdict);
	// A new card is what a person with an unpaid balance adds to pay it: try the open invoices again.
	// The card is kept either way; past the organization's few retries an hour, the next billing run charges it.
	if ((await billing.takeRetry(mutation.orgId as string)) === 0) {
		void billing.retryOpen(mutation.orgId as string).catch((err: unknown) => console.error('charging again failed', err));
	}
	json(res, 201, { card: entry.card });
}

/** POST /api/invoices/pay: charges the open invoices again, as adding a card does; answers the balance left. */
export async function pay({ deps }: HttpApp, { res, org: state, body }: OrgRequest<z.infer<typeof Pay>>) {
	const wait = await deps.billing.takeRetry(body.org);
	if (wait) throw rateLimited(wait, 'payment attempts');
	if (wait === 0) await deps.billing.retryOpen(body.org);
	json(res, 200, { unpaidCents: unpaidCents(state.billing()) });
}
