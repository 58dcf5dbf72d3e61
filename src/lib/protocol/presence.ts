import { z } from 'zod';
import { ROW_EDIT_KINDS } from '../domain/row-edits.ts';
import { Id } from '../domain/schemas.ts';

/**
 * Presence (docs/protocol.md, Presence): what a client may say of itself in a PRESENCE frame
 * (frames.ts), and what the server relays. Clients name a page and a row from fixed lists and
 * ids, never free text: the viewer words the sentence from its own copy of the document, so
 * nobody can make another admin's console say something. Who it is comes from the server.
 */
export const PRESENCE_VIEWS = [
	'members',
	'teams',
	'projects',
	'project',
	'activity',
	'settings',
	'billing',
	'history',
	'import',
	'service-accounts'
] as const;

/** What a row's editor changes: the id names the member, team or project assignee it is about. */
export const EDITING_KINDS = ROW_EDIT_KINDS;

export const Editing = z.strictObject({ what: z.enum(EDITING_KINDS), id: Id });
export type Editing = z.infer<typeof Editing>;

/** A client's own state; `null` (or no state) means it has gone. */
export const ClientPresence = z.strictObject({
	view: z.enum(PRESENCE_VIEWS),
	editing: Editing.nullable().optional()
});
export type ClientPresence = z.infer<typeof ClientPresence>;

/** What the server relays: the client's state, who it is and since when it has been here (ms since the epoch). */
export const PeerPresence = ClientPresence.extend({
	user: z.strictObject({ id: Id, name: z.string(), username: z.string() }),
	since: z.number()
});
export type PeerPresence = z.infer<typeof PeerPresence>;
