import type { Mutation, RefusalCode } from '../domain/index.ts';
import type { OrgModel } from './org-model.svelte.ts';
import type { RosterSession } from './roster.svelte.ts';

/**
 * How a change made from a form went: saved, queued to be sent later (offline), not made (the
 * two-factor prompt was cancelled), or refused — by the domain here before anything was sent
 * (`local`), or by the server. A refusal is the form's to show where the change was made, so it
 * does not also wait in the pending panel.
 */
export type Attempt =
	{ status: 'accepted' | 'queued' | 'cancelled' } | { status: 'refused'; code: RefusalCode; message: string; local: boolean };

/**
 * Checks one change against what this browser holds, then sends it and waits for its answer
 * (RosterSession.ask). When the server says the last two-factor code no longer holds, the change
 * is asked once more, which prompts for a code: the one retry that can succeed is made at once.
 */
export async function attempt(session: RosterSession, view: OrgModel, mutation: Mutation): Promise<Attempt> {
	const local = view.precheck(mutation);
	if (local) return { status: 'refused', code: local.code, message: local.message, local: true };
	let answer = await session.ask(mutation);
	if (answer.status === 'refused' && answer.code === 'STEP_UP_REQUIRED') {
		await session.discard(answer.id);
		answer = await session.ask(mutation);
	}
	if (answer.status !== 'refused') return answer;
	await session.discard(answer.id);
	return { status: 'refused', code: answer.code, message: answer.message, local: false };
}
