import { z } from 'zod';
import { describeMutation, type Mutation, type Names } from './mutations/index.ts';
import type { OrgState } from './state.ts';

type Kind = keyof Names;
type Lookup<K extends Kind> = (state: OrgState, ...args: Parameters<Names[K]>) => string | undefined;

const username = (state: OrgState, userId: string) => state.member(userId)?.username ?? state.user(userId)?.username;
const memberName = (state: OrgState, userId: string) => state.member(userId)?.username;

/** How each name a description may mention is read from the state; a new kind of name in Names must be added here to type-check. */
const LOOKUPS: { [K in Kind]: Lookup<K> } = {
	user: username,
	team: (state, teamId) => state.team(teamId)?.name,
	project: (state, projectId) => state.project(projectId)?.project()?.name,
	invitation: (state, inviteId, projectId) =>
		(projectId === undefined ? state.invitation(inviteId) : state.project(projectId)?.invitation(inviteId))?.email
};
const KINDS = Object.keys(LOOKUPS) as Kind[];

const ByKey = z.record(z.string(), z.string().max(320));

/**
 * The names an activity entry mentions, as they were when the server checked it: kept with the
 * entry, so that a later rename or deletion does not rewrite the audit trail. `actor` is who sent
 * it; `by` says why the server sent it on the actor's behalf, when the actor did not.
 */
export const EntryNames = z.object({
	actor: z.string().max(320).optional(),
	by: z.string().max(500).optional(),
	user: ByKey.optional(),
	team: ByKey.optional(),
	project: ByKey.optional(),
	invitation: ByKey.optional()
});
export type EntryNames = z.infer<typeof EntryNames>;

/** One lookup's key in EntryNames: its arguments, as the description passed them. */
const keyOf = (args: readonly (string | undefined)[]) => args.filter((a) => a !== undefined).join('/');

/**
 * The names a mutation's description mentions, read from the state it is checked against (before
 * it applies), and its actor's username. Found by describing the mutation, so every mutation kind
 * records exactly the names its words use; a name the state does not know is left out. A refused
 * one names only members: any id can be sent, and the feed must not tell its readers an outsider's name.
 */
export function entryNames(state: OrgState, m: Mutation, actorId: string, accepted = true): EntryNames {
	const out: EntryNames = {};
	const actor = username(state, actorId);
	if (actor !== undefined) out.actor = actor;
	const lookups: typeof LOOKUPS = accepted ? LOOKUPS : { ...LOOKUPS, user: memberName };
	const recording = Object.fromEntries(
		KINDS.map((kind) => [
			kind,
			(...args: [string, string?]) => {
				const name = (lookups[kind] as Lookup<'invitation'>)(state, ...args);
				if (name !== undefined) (out[kind] ??= {})[keyOf(args)] = name;
				return name ?? '';
			}
		])
	) as unknown as Names;
	describeMutation(m, recording);
	return out;
}

/** Names as an entry recorded them, falling back to `current` for what it did not record (entries from before names were kept). */
export function recordedNames(recorded: EntryNames | undefined, current: Names): Names {
	return Object.fromEntries(
		KINDS.map((kind) => [
			kind,
			(...args: [string, string?]) => recorded?.[kind]?.[keyOf(args)] ?? (current[kind] as (...a: [string, string?]) => string)(...args)
		])
	) as unknown as Names;
}
