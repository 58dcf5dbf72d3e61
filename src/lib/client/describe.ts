import { describeMutation, parseMutation, recordedNames, type Names } from '../domain/index.ts';
import type { ActivityEntry } from './api.ts';
import type { OutboxEntry } from './db.ts';

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

/** A queued change in words, or what it was when this version no longer understands it (one an older version wrote). */
export function describeQueued(entry: OutboxEntry, names: Names): string {
	const parsed = parseMutation(entry.mutation);
	if (!parsed.ok) return `A change Roster no longer understands (${String(entry.mutation.type).slice(0, 40)})`;
	return describeMutation(parsed.mutation, names);
}
