import type { Mutation, Refusal } from '../domain/index.ts';
import type { RosterSession } from './roster.svelte.ts';

/**
 * What a form shows after asking for one change: `error` (a refusal, kept at the field with the
 * input) or, once done, whether the change was saved or waits to be sent (offline).
 * A cancelled two-factor prompt is neither: nothing was sent, and the input stays as typed.
 */
export type FieldAnswer = { done: false; error: string } | { done: true; saved: boolean };

/**
 * Checks one change locally first (the domain's rules against what this browser holds), then
 * sends it and waits for the server. A refusal is returned to the form and its outbox entry
 * discarded, so that it is shown where the person acted, not a second time in the pending panel.
 */
export async function askAtField(
	session: RosterSession,
	mutation: Mutation,
	precheck?: (m: Mutation) => Refusal | undefined
): Promise<FieldAnswer> {
	const local = precheck?.(mutation);
	if (local) return { done: false, error: local.message };
	const answer = await session.ask(mutation);
	switch (answer.status) {
		case 'refused':
			await session.discard(answer.id);
			return { done: false, error: answer.message };
		case 'cancelled':
			return { done: false, error: '' };
		case 'accepted':
			return { done: true, saved: true };
		case 'queued':
			return { done: true, saved: false };
		default:
			return answer satisfies never;
	}
}
