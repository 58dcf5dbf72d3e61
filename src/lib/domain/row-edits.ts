import { mayAttempt } from './authorize.ts';
import type { MutationType } from './mutations/index.ts';
import type { OrgState } from './state.ts';

/** The row editors a person can be shown at, in others' consoles (presence, docs/protocol.md). */
export const ROW_EDIT_KINDS = ['memberRole', 'projectRoles', 'teamMembers', 'teamName'] as const;
export type RowEdit = (typeof ROW_EDIT_KINDS)[number];

/** The change each editor makes. */
const ROW_EDIT_CHANGES: Record<RowEdit, MutationType> = {
	memberRole: 'member.setRole',
	projectRoles: 'project.setUserRoles',
	teamMembers: 'team.addMember',
	teamName: 'team.rename'
};

/**
 * Whether someone may be shown changing a row: only while their role lets them make that change,
 * so a read-only member (or one just demoted) cannot make an owner's console say otherwise.
 */
export function mayBeShownEditing(state: OrgState, actorId: string, what: RowEdit, projectId?: string): boolean {
	return mayAttempt(state, actorId, ROW_EDIT_CHANGES[what], projectId);
}
