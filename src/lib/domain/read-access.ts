import { canReadProject } from './access.ts';
import { managedElsewhere } from './managed-users.ts';
import { roleMay } from './roles.ts';
import type { Change, OrgState } from './state.ts';

/** One of an organization's documents: the organization's own, its billing, or one project's. */
export type ReadTarget = { doc: 'org' } | { doc: 'billing' } | { doc: 'project'; projectId: string };

/** rules §1–2 and invariant 10: members read the organization; projects as canReadProject says; billing by role. */
export function mayRead(state: OrgState, target: ReadTarget, userId: string): boolean {
	const org = state.org();
	const member = state.member(userId);
	// A member managed by another organization reads nothing here (see managedElsewhere).
	if (!org || !member || managedElsewhere(org.id, member)) return false;
	switch (target.doc) {
		case 'org':
			return true;
		case 'billing':
			return roleMay(member.role, 'billing.view');
		case 'project':
			return canReadProject(state, target.projectId, userId);
		default:
			return target satisfies never;
	}
}

/** Whose read access a change may have altered, and where: every document of the organization, or one project's. */
export interface AccessTouched {
	userId: string;
	scope: { doc: 'all' } | { doc: 'project'; projectId: string };
}

/**
 * Whose read access a batch of changes (applied to `state`) may have changed: found from the
 * changes themselves, never by scanning the organization's members. A project just created is
 * readable by some who hold no grant in it, so `orgReaders` (those reading the organization now) are asked again.
 */
export function accessTouched(
	state: OrgState,
	changes: readonly Change[],
	mutationType: string | undefined,
	orgReaders: () => Iterable<string>
): AccessTouched[] {
	const all = (userId: string): AccessTouched => ({ userId, scope: { doc: 'all' } });
	const project = (userId: string, projectId: string): AccessTouched => ({ userId, scope: { doc: 'project', projectId } });
	const out: AccessTouched[] = [];
	for (const c of changes) {
		switch (c.kind) {
			case 'member.put':
				out.push(all(c.member.userId));
				break;
			case 'member.delete':
			case 'teamMember.put':
			case 'teamMember.delete':
				out.push(all(c.userId));
				break;
			case 'projectUser.put':
			case 'projectUser.delete':
				out.push(project(c.userId, c.projectId));
				break;
			case 'projectTeam.put':
			case 'projectTeam.delete':
				for (const userId of state.teamMemberIds(c.teamId)) out.push(project(userId, c.projectId));
				break;
			case 'project.put':
				// Owners and read-only members read a new project (closing one changes no access).
				if (mutationType === 'project.create') for (const userId of orgReaders()) out.push(project(userId, c.project.id));
				break;
		}
	}
	return out;
}
