import { z } from 'zod';
import { withoutExpiry } from '../expiry.ts';
import { addMember } from '../joining.ts';
import { managedMember } from '../managed-users.ts';
import { memberOf } from '../members.ts';
import { ORG_ROLES } from '../roles.ts';
import { refuse, type Refusal, type RefusalCode } from '../refusals.ts';
import { Id, OrgRole, Username, type Member, type Organization } from '../schemas.ts';
import type { Change, OrgState } from '../state.ts';
import { accept, displayName as name } from '../verdict.ts';
import { defineMutation } from './define.ts';

/** Teams a new member or invitee is placed in (rules §1: an invitee can be placed in teams before it joins). */
export const Teams = z.array(Id).max(100).optional();

const NO_MEMBER = refuse('MEMBER_NOT_FOUND', 'That user is not a member of this organization.');

/** Invariant 1 on every path that takes an owner away: the primary admin stays, and so does one owner. */
export function guardOwnership(
	state: OrgState,
	org: Organization,
	target: Member,
	primaryAdminRefusal: [RefusalCode, string]
): Refusal | undefined {
	if (target.userId === org.primaryAdminId) return refuse(...primaryAdminRefusal);
	if (target.role === 'ORG_OWNER' && state.ownerCount() <= 1) {
		return refuse('LAST_OWNER', `${org.name} would have no Organization Owner: make someone else an owner first.`);
	}
	return undefined;
}

/** Invariant 3: leaving the organization also leaves each of its teams and projects (found by index, not by scan). */
export function leaveChanges(state: OrgState, userId: string): Change[] {
	return [
		...state.teamsOf(userId).map((teamId): Change => ({ kind: 'teamMember.delete', teamId, userId })),
		...state.projectsOfUser(userId).map((projectId): Change => ({ kind: 'projectUser.delete', projectId, userId })),
		...state.requestsOf(userId).map((projectId): Change => ({ kind: 'joinRequest.delete', projectId, userId })),
		{ kind: 'member.delete', userId }
	];
}

/** Who is in the organization and in what role; adding by email and invitations are in invitations.ts. */
export const MEMBER_MUTATIONS = [
	defineMutation('member.add', {
		fields: { username: Username, role: OrgRole, teams: Teams },
		access: 'members.manage',
		sensitive: true,
		check: (state, ctx, m) => {
			const user = state.userByUsername(m.username);
			if (!user) return refuse('USER_NOT_FOUND', `No Roster user is called “${m.username}”.`);
			return addMember(state, ctx, user, m.role, m.teams ?? []);
		},
		describe: (m) => `Add ${m.username} as ${ORG_ROLES[m.role].label}`
	}),

	defineMutation('member.setRole', {
		fields: { userId: Id, role: OrgRole },
		access: 'members.manage',
		sensitive: true,
		check: (state, _c, m, { org }) => {
			const target = state.member(m.userId);
			if (!target) return NO_MEMBER;
			if (target.role === m.role) return accept();
			if (m.role !== 'ORG_OWNER') {
				const refusal = guardOwnership(state, org, target, [
					'PRIMARY_ADMIN_ROLE',
					`${name(target)} is the primary admin and stays an Organization Owner: transfer primary admin first.`
				]);
				if (refusal) return refusal;
			}
			// rules §6: a new role replaces the membership's terms, its expiry with them.
			return accept({ kind: 'member.put', member: { ...withoutExpiry(target), role: m.role } });
		},
		describe: (m, names) => `Make ${names.user(m.userId)} ${ORG_ROLES[m.role].label}`
	}),

	defineMutation('member.remove', {
		fields: { userId: Id },
		access: 'members.manage',
		sensitive: true,
		check: (state, _c, m, { org }) => {
			const target = state.member(m.userId);
			if (!target) return NO_MEMBER;
			const refusal = guardOwnership(state, org, target, [
				'PRIMARY_ADMIN_REMOVAL',
				`${name(target)} is the primary admin and cannot be removed: transfer primary admin first.`
			]);
			return refusal ?? accept(...leaveChanges(state, target.userId));
		},
		describe: (m, names) => `Remove ${names.user(m.userId)}`
	}),

	defineMutation('member.leave', {
		fields: {},
		access: 'member',
		sensitive: false,
		check: (state, _c, _m, { org, actor }) => {
			const refusal = guardOwnership(state, org, actor, [
				'PRIMARY_ADMIN_LEAVE',
				'The primary admin cannot leave: transfer primary admin to another member first.'
			]);
			return refusal ?? accept(...leaveChanges(state, actor.userId));
		},
		describe: () => 'Leave the organization'
	}),

	// A user the primary admin created (its row marked managed by this organization) joins it; see managed-users-api.ts.
	defineMutation('member.addManaged', {
		fields: { userId: Id, role: OrgRole },
		access: 'users.manage',
		sensitive: true,
		serverOnly: 'Managed users are created through the Create user form, which also makes their account.',
		check: (state, ctx, m, { org }) => {
			const user = state.user(m.userId);
			if (!user) return refuse('USER_NOT_FOUND', 'That user does not exist.');
			if (user.managedBy !== org.id) return refuse('NOT_MANAGED', `${name(user)} is not a user that ${org.name} manages.`);
			if (state.member(user.id)) return refuse('ALREADY_MEMBER', `${name(user)} is already a member of ${org.name}.`);
			return accept({ kind: 'member.put', member: memberOf(user, m.role, ctx.now) });
		},
		describe: (m, names) => `Add managed user ${names.user(m.userId)} as ${ORG_ROLES[m.role].label}`
	}),

	// The organization's part of deleting a managed user from Roster; the server also takes it out of its other organizations.
	// Invariants 1 and 3 hold as for a removal; the server deletes the account once every organization let it go.
	defineMutation('member.deleteManaged', {
		fields: { userId: Id },
		access: 'users.manage',
		sensitive: true,
		serverOnly: "Managed users are deleted through their Delete control, which also removes them from Roster's other organizations.",
		check: (state, _c, m, { org }) => {
			const target = managedMember(state, org, m.userId);
			if (!('userId' in target)) return target;
			const refusal = guardOwnership(state, org, target, [
				'PRIMARY_ADMIN_REMOVAL',
				`${name(target)} is the primary admin and cannot be deleted: transfer primary admin first.`
			]);
			return refusal ?? accept(...leaveChanges(state, target.userId));
		},
		describe: (m, names) => `Delete managed user ${names.user(m.userId)} from Roster`
	})
] as const;
