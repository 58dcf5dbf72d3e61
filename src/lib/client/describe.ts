import { ORG_ROLES, type Mutation } from '../domain/index.ts';

/** A mutation in words, for the outbox list. */
export interface Names {
	user(userId: string): string;
	team(teamId: string): string;
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
		case 'member.setRole':
			return `Make ${nameOf(m.userId)} ${ORG_ROLES[m.role].label}`;
		case 'member.remove':
			return `Remove ${nameOf(m.userId)}`;
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
	}
}
