import type { Change } from '$lib/domain/index.ts';
import { projectDocId } from '$lib/protocol/messages.ts';
import type { OrgRoom } from './org-room.ts';
import type { Store } from './store.ts';

/** What a committed batch of changes means outside the documents: whose access to re-check, and the store's invitation index. */

/**
 * Whose read access a batch of changes may have changed, and to which documents:
 * found from the changes themselves, never by scanning the organization's members.
 */
export function accessToRecheck(room: OrgRoom, changes: readonly Change[], type: string | undefined): [OrgRoom, string, string[]][] {
	const all = () => room.docIds();
	const project = (projectId: string) => [projectDocId(room.orgId, projectId)];
	const out: [OrgRoom, string, string[]][] = [];
	for (const c of changes) {
		switch (c.kind) {
			case 'member.put':
				out.push([room, c.member.userId, all()]);
				break;
			case 'member.delete':
				out.push([room, c.userId, all()]);
				break;
			case 'teamMember.put':
			case 'teamMember.delete':
				out.push([room, c.userId, all()]);
				break;
			case 'projectUser.put':
			case 'projectUser.delete':
				out.push([room, c.userId, project(c.projectId)]);
				break;
			case 'projectTeam.put':
			case 'projectTeam.delete':
				for (const userId of room.state.teamMemberIds(c.teamId)) out.push([room, userId, project(c.projectId)]);
				break;
			case 'project.put':
				// A new project is readable by owners and read-only members: check those connected (closing changes no access).
				if (type === 'project.create') for (const conn of room.org.subscribers) out.push([room, conn.userId, project(c.project.id)]);
				break;
		}
	}
	return out;
}

/** Keeps the store's address index of pending invitations in step with the documents. */
export function indexInvitations(store: Store, orgId: string, changes: readonly Change[]) {
	for (const c of changes) {
		if (c.kind === 'invitation.put') store.putInvitation(orgId, '', c.invitation.id, c.invitation.email);
		else if (c.kind === 'invitation.delete') store.deleteInvitation(orgId, '', c.inviteId);
		else if (c.kind === 'projectInvitation.put') store.putInvitation(orgId, c.projectId, c.invitation.id, c.invitation.email);
		else if (c.kind === 'projectInvitation.delete') store.deleteInvitation(orgId, c.projectId, c.inviteId);
	}
}
