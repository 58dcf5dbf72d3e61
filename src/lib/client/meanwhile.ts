import { describeMutation, parseMutation, recordedNames, type Names } from '../domain/index.ts';
import type { ActivityEntry } from './api.ts';
import type { OutboxEntry } from './db.ts';

/** The things a change is about: every id it names but its organization's (a team, a project, a user…). */
function subjects(mutation: unknown): string[] {
	if (!mutation || typeof mutation !== 'object') return [];
	return Object.entries(mutation).flatMap(([key, value]) =>
		key !== 'orgId' && key.endsWith('Id') && typeof value === 'string' ? [value] : []
	);
}

/**
 * What other people changed, after a queued change was made, that touches the same things or the
 * user's own membership and role: the likely reason the server refused it. Newest first, at most `max`.
 */
export function meanwhileEntries(entry: OutboxEntry, feed: readonly ActivityEntry[], me: string, max = 2): ActivityEntry[] {
	const mine = new Set([...subjects(entry.mutation), me]);
	return feed
		.filter((e) => e.ok && e.actor.id !== me && e.at >= entry.createdAt && subjects(e.mutation).some((id) => mine.has(id)))
		.sort((a, b) => b.at - a.at)
		.slice(0, max);
}

/** "Meanwhile bob made this change (10:42): Make you Member." — the user is "you", as in a sentence about them. */
export function meanwhileSentence(entries: readonly ActivityEntry[], me: string, names: Names): string {
	return entries
		.flatMap((e) => {
			const parsed = parseMutation(e.mutation);
			if (!parsed.ok) return [];
			// Named as they were then, as the feed names them; the user is "you".
			const then = recordedNames(e.names ?? undefined, names);
			const forMe: Names = { ...then, user: (id) => (id === me ? 'you' : then.user(id)) };
			const at = new Date(e.at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
			return [`Meanwhile ${e.actor.username} made this change (${at}): ${describeMutation(parsed.mutation, forMe)}.`];
		})
		.join(' ');
}
