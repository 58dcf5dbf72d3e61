import { checkMutation, effectiveProjectRoles, OverlayState, type Mutation, type ProjectRole } from '../domain/index.ts';
import type { OrgModel } from './org-model.svelte.ts';
import { roleLabels } from './project-view.ts';

/** One person's project roles a change would take away, whatever source they came from. */
export interface AccessLoss {
	username: string;
	project: string;
	roles: ProjectRole[];
}

/**
 * Who would lose which project roles if this change were saved: the domain's own changes (a team's
 * deletion with its cascade) laid over what this browser holds, each person's roles from every
 * source compared before and after. A role kept through another team or individually is not lost.
 */
export function accessLost(model: OrgModel, actorId: string, mutation: Mutation): AccessLoss[] {
	const before = model.overlay;
	const now = Date.now();
	const verdict = checkMutation(before, { actorId, now, steppedUpAt: now }, mutation);
	if (!verdict.ok) return [];
	const after = new OverlayState(before);
	after.apply(verdict.changes);
	const projects = new Set<string>();
	for (const c of verdict.changes) {
		if (/^project(User|Team)\./.test(c.kind) && 'projectId' in c) projects.add(c.projectId);
		else if (c.kind === 'teamMember.delete' || c.kind === 'team.delete') before.projectsOfTeam(c.teamId).forEach((p) => projects.add(p));
	}
	return [...projects].flatMap((projectId) => {
		const project = before.project(projectId);
		const name = project?.project()?.name ?? 'a project';
		const users = new Set([
			...(project?.assignedUsers() ?? []),
			...(project?.assignedTeams() ?? []).flatMap((t) => before.teamMemberIds(t))
		]);
		return [...users].flatMap((userId): AccessLoss[] => {
			const kept = new Set(effectiveProjectRoles(after, projectId, userId));
			const roles = effectiveProjectRoles(before, projectId, userId).filter((r) => !kept.has(r));
			const username = before.member(userId)?.username;
			return roles.length && username ? [{ username, project: name, roles }] : [];
		});
	});
}

/** "bob loses Owner on Apollo. carol loses Read only on Apollo." or that nobody loses anything. */
export function lossSentence(losses: readonly AccessLoss[]): string {
	if (!losses.length) return 'Nobody loses project access.';
	return losses.map((l) => `${l.username} loses ${roleLabels(l.roles)} on ${l.project}.`).join(' ');
}
