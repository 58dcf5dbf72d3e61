import type { Mutation } from '../domain/index.ts';
import type { Answer, RosterSession } from './roster.svelte.ts';

/**
 * Asks for one change where it was made (RosterSession.ask). When the server says the last two-factor
 * code no longer holds, the refused entry goes and the change is asked once more, which prompts for a
 * code: a retry that can succeed is made at once instead of being left in the pending panel.
 */
export async function askConfirmed(session: RosterSession, mutation: Mutation): Promise<Answer> {
	const answer = await session.ask(mutation);
	if (answer.status !== 'refused' || answer.code !== 'STEP_UP_REQUIRED') return answer;
	await session.discard(answer.id);
	return session.ask(mutation);
}
