import { ACTION_WORDS, ORG_ROLES, PROJECT_ROLES, projectRoleSources, type OrgRole, type OrgState } from '../domain/index.ts';
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

/**
 * What a member loses on leaving the organization besides the organization itself: its teams and the
 * roles they and its own assignments give in projects (organization ownership's implicit roles included).
 */
export function accessLost(state: OrgState, projectIds: readonly string[], userId: string, role: OrgRole, their = 'their'): string[] {
	const teams = state.teamsOf(userId).flatMap((id) => state.team(id)?.name ?? []);
	const projects = projectIds.flatMap((id) =>
		projectRoleSources(state, id, userId).some((s) => s.via !== 'organization') ? (state.project(id)?.project()?.name ?? []) : []
	);
	const lost: string[] = [];
	if (teams.length) lost.push(`${teams.length === 1 ? 'team' : 'teams'} ${listed(teams)}`);
	if (projects.length) lost.push(`${their} roles in ${projects.length === 1 ? 'project' : 'projects'} ${listed(projects)}`);
	if (ORG_ROLES[role].implicitProjectRoles.length) lost.push('ownership of every project');
	return lost;
}
