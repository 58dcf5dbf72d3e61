import { ORG_ROLES, type Mutation } from '../domain/index.ts';

/** A mutation in words, for the outbox list. */
export function describeMutation(m: Mutation, nameOf: (userId: string) => string): string {
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
	}
}
