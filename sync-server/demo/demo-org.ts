import type { Mutation, OrgRole, ProjectRole, UserProfile } from '$lib/domain/index.ts';

export interface DemoSize {
	users: number;
	teams: number;
	projects: number;
}

export const DEMO_SIZE: DemoSize = { users: 10_000, teams: 200, projects: 500 };
export const DEMO_ORG_ID = 'demo-org';
export const DEMO_PASSWORD = 'roster-demo-password';

/** Demo users: user 0 is the primary admin, user 1 a read-only member, then owners, creators and members. */
export function demoUsers(n: number): UserProfile[] {
	return Array.from({ length: n }, (_, i) => {
		const username = i === 0 ? 'demo-admin' : i === 1 ? 'demo-readonly' : `user${String(i).padStart(5, '0')}`;
		return { id: `demo-u${i}`, username, email: `${username}@demo.example`, emailVerified: true, displayName: '' };
	});
}

function roleOf(i: number): OrgRole {
	if (i === 1) return 'ORG_READ_ONLY';
	if (i % 500 === 2) return 'ORG_OWNER';
	if (i % 100 === 3) return 'ORG_PROJECT_CREATOR';
	if (i % 250 === 4) return 'ORG_BILLING_ADMIN';
	return 'ORG_MEMBER';
}

const ROLE_SETS: ProjectRole[][] = [['PROJECT_READ_ONLY'], ['PROJECT_CLUSTER_MANAGER'], ['PROJECT_CLUSTER_MANAGER', 'PROJECT_READ_ONLY']];

/**
 * The mutations that build a demo organization, in order, all sent by its primary admin:
 * members, teams of members, projects with an owner, a few users and two teams each.
 */
export function* demoMutations(size: DemoSize, users: UserProfile[]): Generator<Mutation> {
	const orgId = DEMO_ORG_ID;
	yield { type: 'org.create', orgId, name: 'Demo Corp' };
	for (let i = 1; i < size.users; i++) yield { type: 'member.add', orgId, username: users[i]!.username, role: roleOf(i) };
	const perTeam = Math.max(1, Math.floor((size.users - 2) / size.teams));
	for (let t = 0; t < size.teams; t++) {
		const teamId = `team${t}`;
		yield { type: 'team.create', orgId, teamId, name: `Team ${t}` };
		for (let k = 0; k < perTeam; k++) {
			const user = users[2 + ((t * perTeam + k) % (size.users - 2))]!;
			yield { type: 'team.addMember', orgId, teamId, userId: user.id };
		}
	}
	for (let p = 0; p < size.projects; p++) {
		const projectId = `project${p}`;
		yield { type: 'project.create', orgId, projectId, name: `Project ${p}` };
		for (let k = 0; k < 4; k++) {
			const user = users[2 + ((p * 7 + k * 131) % (size.users - 2))]!;
			yield { type: 'project.addUser', orgId, projectId, username: user.username, roles: ROLE_SETS[(p + k) % ROLE_SETS.length]! };
		}
		for (let k = 0; k < 2; k++) {
			yield { type: 'project.addTeam', orgId, projectId, teamId: `team${(p * 3 + k * 17) % size.teams}`, roles: ['PROJECT_READ_ONLY'] };
		}
	}
}
