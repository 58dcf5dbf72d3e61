import { ACTION_WORDS, ORG_ROLES, PROJECT_ROLES, type OrgRole } from '../domain/index.ts';
import type { Confirmation } from '../components/shell/InlineEdit.svelte';

/** "a, b and c": a list in a sentence. */
export function listed(words: readonly string[]): string {
	return words.length < 2 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

const article = (label: string) => (/^[AEIOU]/i.test(label) ? `an ${label}` : `a ${label}`);

/** What `to` may that `from` may not, in words, its implicit project roles included (from the role table). */
function powers(to: OrgRole, from: OrgRole): string[] {
	const actions = ORG_ROLES[to].may.filter((a) => !ORG_ROLES[from].may.includes(a)).map((a) => ACTION_WORDS[a]);
	const projects = ORG_ROLES[to].implicitProjectRoles
		.filter((r) => !ORG_ROLES[from].implicitProjectRoles.includes(r))
		.map((r) => `be ${PROJECT_ROLES[r].label} of every project`);
	return [...actions, ...projects];
}

/**
 * The question asked before a role change that gives ownership or takes anything away, worded from
 * the role table; undefined when the change only adds powers short of ownership.
 */
export function roleChangeConfirmation(username: string, from: OrgRole, to: OrgRole): Confirmation | undefined {
	const label = ORG_ROLES[to].label;
	const gains = powers(to, from);
	const losses = powers(from, to);
	if (to === 'ORG_OWNER') {
		return {
			title: `Make ${username} ${article(label)}?`,
			body: `Make ${username} ${article(label)}? ${label}s can ${listed(gains)}.`,
			confirmLabel: `Make ${label}`
		};
	}
	if (!losses.length) return undefined;
	const now = gains.length ? ` Can now ${listed(gains)}.` : '';
	return {
		title: `Change the role of ${username}?`,
		body: `${username} becomes ${article(label)}: loses ${ORG_ROLES[from].label} (can no longer ${listed(losses)}).${now}`,
		confirmLabel: `Make ${label}`,
		danger: true
	};
}
