import { ORG_ROLES, PLANS, PROJECT_ROLES, type Mutation, type ProjectRole } from '../domain/index.ts';

const roleList = (roles: ProjectRole[]) => roles.map((r) => PROJECT_ROLES[r].label).join(', ');

/** A mutation in words, for the outbox list. */
export interface Names {
	user(userId: string): string;
	team(teamId: string): string;
	project(projectId: string): string;
	/** The invited address, if the invitation is still known. */
	invitation(inviteId: string, projectId?: string): string;
}

export function describeMutation(m: Mutation, names: Names): string {
	const nameOf = names.user;
	switch (m.type) {
		case 'org.create':
			return `Create organization “${m.name}”`;
		case 'org.rename':
			return `Rename organization to “${m.name}”`;
		case 'member.add':
			return `Add ${m.username} as ${ORG_ROLES[m.role].label}`;
		case 'member.invite':
			return `Add or invite ${m.email} as ${ORG_ROLES[m.role].label}`;
		case 'member.cancelInvite':
			return `Cancel the invitation of ${names.invitation(m.inviteId)}`;
		case 'member.setRole':
			return `Make ${nameOf(m.userId)} ${ORG_ROLES[m.role].label}`;
		case 'member.remove':
			return `Remove ${nameOf(m.userId)}`;
		case 'org.close':
			return 'Close the organization';
		case 'org.setContact':
			return m.email ? `Set the ${m.contact} contact to ${m.email}` : `Clear the ${m.contact} contact`;
		case 'org.setSecurity':
			return m.requireTwoFactor ? 'Require two-factor and set session timeouts' : 'Set the security settings';
		case 'org.setBillingContact':
			return m.email ? `Set the billing contact to ${m.email}` : 'Clear the billing contact';
		case 'card.add':
			return `Add the ${m.brand} card ending ${m.last4}`;
		case 'card.setDefault':
			return 'Make a card the default';
		case 'card.remove':
			return 'Remove a card';
		case 'billing.setInfo':
			return 'Update the billing details';
		case 'deployment.create':
			return `Create ${PLANS[m.plan].label.toLowerCase()} deployment “${m.name}” in ${names.project(m.projectId)}`;
		case 'deployment.delete':
			return `Delete a deployment of ${names.project(m.projectId)}`;
		case 'member.addManaged':
			return `Add managed user ${nameOf(m.userId)} as ${ORG_ROLES[m.role].label}`;
		case 'member.deleteManaged':
			return `Delete managed user ${nameOf(m.userId)} from Roster`;
		case 'org.setNotifications':
			return 'Set the notification channels';
		case 'member.leave':
			return 'Leave the organization';
		case 'org.transferPrimaryAdmin':
			return `Make ${nameOf(m.userId)} the primary admin`;
		case 'team.create':
			return `Create team “${m.name}”`;
		case 'team.rename':
			return `Rename team ${names.team(m.teamId)} to “${m.name}”`;
		case 'team.delete':
			return `Delete team ${names.team(m.teamId)}`;
		case 'team.addMember':
			return `Add ${nameOf(m.userId)} to team ${names.team(m.teamId)}`;
		case 'team.removeMember':
			return `Remove ${nameOf(m.userId)} from team ${names.team(m.teamId)}`;
		case 'team.addInvitee':
			return `Place ${names.invitation(m.inviteId)} in team ${names.team(m.teamId)}`;
		case 'team.removeInvitee':
			return `Take ${names.invitation(m.inviteId)} out of team ${names.team(m.teamId)}`;
		case 'project.create':
			return `Create project “${m.name}”`;
		case 'project.addUser':
			return `Add ${m.username} to ${names.project(m.projectId)} as ${roleList(m.roles)}`;
		case 'project.invite':
			return `Add or invite ${m.email} to ${names.project(m.projectId)} as ${roleList(m.roles)}`;
		case 'project.cancelInvite':
			return `Cancel the invitation of ${names.invitation(m.inviteId, m.projectId)} to ${names.project(m.projectId)}`;
		case 'project.addTeam':
			return `Add team ${names.team(m.teamId)} to ${names.project(m.projectId)} as ${roleList(m.roles)}`;
		case 'project.setUserRoles':
			return `Make ${nameOf(m.userId)} ${roleList(m.roles)} in ${names.project(m.projectId)}`;
		case 'project.setTeamRoles':
			return `Make team ${names.team(m.teamId)} ${roleList(m.roles)} in ${names.project(m.projectId)}`;
		case 'project.removeUser':
			return `Remove ${nameOf(m.userId)} from ${names.project(m.projectId)}`;
		case 'project.removeTeam':
			return `Remove team ${names.team(m.teamId)} from ${names.project(m.projectId)}`;
		case 'project.close':
			return `Close project ${names.project(m.projectId)}`;
		case 'join.request':
			return `Ask to join ${names.project(m.projectId)}`;
		case 'join.approve':
			return `Let ${nameOf(m.userId)} join ${names.project(m.projectId)} as ${roleList(m.roles)}`;
		case 'join.deny':
			return `Turn down ${nameOf(m.userId)}'s request to join ${names.project(m.projectId)}`;
		case 'invite.accept':
			return `Accept the invitation${m.projectId ? ` to ${names.project(m.projectId)}` : ''}`;
	}
}
