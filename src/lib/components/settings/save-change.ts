import type { OrgModel } from '$lib/client/org-model.svelte.ts';
import type { RosterSession } from '$lib/client/roster.svelte.ts';
import type { Mutation, RefusalCode } from '$lib/domain/index.ts';

/** How a settings form's change ended: saved (or queued to be sent), refused (to show at its field), or not made (the two-factor prompt was cancelled). */
export type Saved = { status: 'saved' | 'cancelled' } | { status: 'refused'; code: RefusalCode; message: string; local?: true };

/**
 * Sends one change from a form that keeps a local draft: the domain's refusal is given before
 * anything is sent, the server's is taken out of the pending changes (the form shows it where
 * it was made), and the draft is the form's to keep or drop.
 */
export async function saveChange(session: RosterSession, view: OrgModel, mutation: Mutation): Promise<Saved> {
	const local = view.precheck(mutation);
	if (local) return { status: 'refused', code: local.code, message: local.message, local: true };
	const answer = await session.ask(mutation);
	if (answer.status !== 'refused') return { status: answer.status === 'cancelled' ? 'cancelled' : 'saved' };
	await session.discard(answer.id);
	return answer;
}

/** Whether a change of this kind waits to be sent or answered: what the panel shows is not saved yet. */
export function waiting(view: OrgModel, match: (m: Mutation) => boolean): boolean {
	return view.entries.some((e) => e.status === 'pending' && match(e.mutation));
}
