import type { ClientPresence, Editing } from '../protocol/presence.ts';

/** A page as a list of who is elsewhere names it. */
export const VIEW_LABELS: Record<ClientPresence['view'], string> = {
	members: 'Members',
	teams: 'Teams',
	projects: 'Projects',
	project: 'a project',
	activity: 'Activity',
	settings: 'Settings',
	billing: 'Billing',
	history: 'History',
	import: 'Import',
	'service-accounts': 'Service accounts'
};

/** "bob", "bob and dave", "bob, dave and erin". */
export function nameList(names: readonly string[]): string {
	if (names.length < 2) return names[0] ?? '';
	return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * What a row says while others edit it, worded by this client: the row names itself (`target`,
 * from its own copy) and the editors are named by id, so a peer can only pick a row, never the words.
 */
export function editingSentence(actors: readonly string[], what: Editing['what'], target: string, yours = false): string {
	const who = `${nameList(actors)} ${actors.length > 1 ? 'are' : 'is'}`;
	// The person looking is the one whose row it is: "your role", as the row's own "you" badge says.
	const whose = yours ? 'your' : `${target}'s`;
	switch (what) {
		case 'memberRole':
			return `${who} changing ${whose} role`;
		case 'projectRoles':
			return `${who} changing ${whose} roles`;
		case 'teamMembers':
			return `${who} changing who is in ${target}`;
		case 'teamName':
			return `${who} renaming ${target}`;
		default:
			return what satisfies never;
	}
}

/** Up to two letters for an avatar: the first of each of the first two words ("Bob Stone" → "BS", "bob" → "B"). */
export function initials(name: string): string {
	const words = name.split(/[\s._-]+/).filter(Boolean);
	return words
		.slice(0, 2)
		.map((w) => [...w][0]!.toLocaleUpperCase())
		.join('');
}

/** "10:42", in the reader's own clock and locale. */
export const clockTime = (ms: number) => new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
