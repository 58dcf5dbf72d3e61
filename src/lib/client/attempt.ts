import type { Mutation, Refusal, RefusalCode } from '../domain/index.ts';
import type { RosterSession } from './roster.svelte.ts';

/**
 * How a change made from a form went: saved, queued to be sent later (offline), not made (the
 * two-factor prompt was cancelled), or refused — by the domain here before anything was sent
 * (`local`), or by the server. A refusal is the form's to show where the change was made, so it
 * does not also wait in the pending panel (unless the person has left the form's page meanwhile).
 */
export type Attempt =
	{ status: 'accepted' | 'queued' | 'cancelled' } | { status: 'refused'; code: RefusalCode; message: string; local: boolean };

/** What can check a change here first: an organization's model (OrgModel); none for a new organization. */
export interface LocalCheck {
	precheck(mutation: Mutation): Refusal | undefined;
}

/** Whether the change went through or waits to be sent: the form may let go of its input. */
export const went = (a: Attempt) => a.status === 'accepted' || a.status === 'queued';

/** The sentence to show at the field: a refusal's, or nothing (saved, queued, or the code prompt cancelled). */
export const refusalOf = (a: Attempt) => (a.status === 'refused' ? a.message : '');

/**
 * Checks one change against what this browser holds, then sends it and waits for its answer
 * (RosterSession.ask). When the server says the last two-factor code no longer holds, the change
 * is asked once more, which prompts for a code: the one retry that can succeed is made at once.
 */
export async function attempt(session: RosterSession, view: LocalCheck | undefined, mutation: Mutation): Promise<Attempt> {
	const local = view?.precheck(mutation);
	if (local) return { status: 'refused', code: local.code, message: local.message, local: true };
	// A form is on the page it was filled in on: after navigating away, nothing would show its refusal.
	const page = location.pathname;
	let answer = await session.ask(mutation);
	if (answer.status === 'refused' && answer.code === 'STEP_UP_REQUIRED') {
		await session.discard(answer.id);
		answer = await session.ask(mutation);
	}
	if (answer.status !== 'refused') return answer;
	// Left for the pending panel when the form is gone, so no refusal goes unseen.
	if (location.pathname === page) await session.discard(answer.id);
	return { status: 'refused', code: answer.code, message: answer.message, local: false };
}
