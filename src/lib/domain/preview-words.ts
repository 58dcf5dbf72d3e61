import type { AccessChange, Preview, PreviewAccess, PreviewPerson, PreviewVia } from './preview.ts';
import { ORG_ROLES, PROJECT_ROLES } from './roles.ts';
import type { ProjectRole } from './schemas.ts';

/** How many people a sentence names before "and N more". */
const NAMED = 10;

const roleWords = (roles: readonly ProjectRole[]) => roles.map((r) => PROJECT_ROLES[r].label).join(', ');
const viaWords = (via: readonly PreviewVia[]) =>
	via.map((v) => (v === 'individual' ? 'individually' : `through team ${v.team}`)).join(' and ');
const personName = (p: PreviewPerson) => ('username' in p ? p.username : p.email);

/** A verb for one person and for several: [singular, plural]. */
type Verb = readonly [string, string];
const GAIN: Verb = ['gains', 'gain'];
const LOSE: Verb = ['loses', 'lose'];

/** The verb and the words after it, from the role tables, for a gain or a loss of one piece of access. */
function phrase(access: PreviewAccess, gained: boolean): { verb: Verb; what: string } {
	switch (access.kind) {
		case 'orgRole': {
			const every = access.everyProject.map((r) => `${PROJECT_ROLES[r].label.toLowerCase()} of every project`);
			const what = [ORG_ROLES[access.role].label, ...every].join(': ');
			return { verb: gained ? ['becomes', 'become'] : LOSE, what };
		}
		case 'team':
			return { verb: gained ? ['joins', 'join'] : ['leaves', 'leave'], what: `team ${access.team}` };
		case 'projectRoles':
			return { verb: gained ? GAIN : LOSE, what: `${roleWords(access.roles)} on ${access.project} (${viaWords(access.via)})` };
		case 'orgInvitation':
			return {
				verb: gained ? ['is invited', 'are invited'] : ['is no longer invited', 'are no longer invited'],
				what: `to the organization as ${ORG_ROLES[access.role].label}`
			};
		case 'invitedTeam':
			return {
				verb: gained ? ['will join', 'will join'] : ['will no longer join', 'will no longer join'],
				what: `team ${access.team} on accepting the invitation`
			};
		case 'projectInvitation':
			return {
				verb: gained ? ['is invited', 'are invited'] : ['is no longer invited', 'are no longer invited'],
				what: `to ${access.project} as ${roleWords(access.roles)}`
			};
		default:
			return access satisfies never;
	}
}

/** "3 people lose Owner on billing-prod (through team Ops): alice, bob, carol." — one sentence per piece of access, its people named. */
function sentences(changes: readonly AccessChange[], gained: boolean): string[] {
	const groups = new Map<string, { verb: Verb; what: string; people: string[] }>();
	for (const c of changes) {
		const { verb, what } = phrase(c.access, gained);
		const key = `${verb[0]} ${what}`;
		const group = groups.get(key) ?? { verb, what, people: [] };
		groups.set(key, group);
		group.people.push(personName(c.person));
	}
	return [...groups.values()].map(({ verb, what, people }) => {
		if (people.length === 1) return `${people[0]} ${verb[0]} ${what}.`;
		const named = people.slice(0, NAMED).join(', ') + (people.length > NAMED ? ` and ${people.length - NAMED} more` : '');
		return `${people.length} people ${verb[1]} ${what}: ${named}.`;
	});
}

/** A preview in words: what is lost, then what is gained, each a sentence per piece of access. */
export function previewSentences(preview: Pick<Preview, 'gains' | 'losses'>): { losses: string[]; gains: string[] } {
	return { losses: sentences(preview.losses, false), gains: sentences(preview.gains, true) };
}

/** The whole preview as one paragraph, or that nobody's access changes. */
export function previewSentence(preview: Pick<Preview, 'gains' | 'losses'>): string {
	const { losses, gains } = previewSentences(preview);
	return [...losses, ...gains].join(' ') || 'Nobody gains or loses access.';
}
