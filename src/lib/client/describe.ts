import { describeMutation, parseMutation, recordedNames, type Names } from '../domain/index.ts';
import type { ActivityEntry } from './api.ts';

/** Each mutation describes itself in the registry; the outbox and the activity feed read it from there. */
export { describeMutation, type Names };

/**
 * An activity entry in words, with the names it recorded as they were then (a team since renamed
 * or deleted, a member since removed); `current` names what an older entry did not record.
 */
export function describeEntry(entry: ActivityEntry, current: Names): string {
	const parsed = parseMutation(entry.mutation);
	if (!parsed.ok) return `A change Roster no longer understands (${entry.type})`;
	return describeMutation(parsed.mutation, recordedNames(entry.names ?? undefined, current));
}
