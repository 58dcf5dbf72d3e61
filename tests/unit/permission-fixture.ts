import { OrgRole, type MutationOf, type MutationType } from '../../src/lib/domain/index.ts';
import { NOW, emptyOrg, id, inviteId, orgWith, projectId, teamId } from './factories.ts';
import { applyChanges } from '../../src/lib/domain/index.ts';

/** The permission matrix's fixture: one actor per organization role, the primary admin and an outsider. */
export const ACTORS = [
	'primary admin',
	'ORG_OWNER',
	'ORG_PROJECT_CREATOR',
	'ORG_BILLING_ADMIN',
	'ORG_BILLING_VIEWER',
	'ORG_READ_ONLY',
	'ORG_MEMBER',
	'non-member'
] as const;
export type Actor = (typeof ACTORS)[number];

export const USERNAME: Record<Actor, string> = {
	'primary admin': 'admin',
	ORG_OWNER: 'owner',
	ORG_PROJECT_CREATOR: 'creator',
	ORG_BILLING_ADMIN: 'billadmin',
	ORG_BILLING_VIEWER: 'billviewer',
	ORG_READ_ONLY: 'readonly',
	ORG_MEMBER: 'member',
	'non-member': 'outsider'
};

/** For each type, a mutation that every check but the permission one accepts. */
export const INTENT: { [T in MutationType]: Omit<MutationOf<T>, 'orgId'> } = {
	'org.create': { type: 'org.create', name: 'Second org' },
	'org.rename': { type: 'org.rename', name: 'Renamed' },
	'member.add': { type: 'member.add', username: 'zed', role: 'ORG_MEMBER' },
	'member.invite': {
		type: 'member.invite',
		inviteId: 'i-new',
		email: 'new.person@example.org',
		role: 'ORG_MEMBER',
		teams: [teamId('Ops')]
	},
	'member.cancelInvite': { type: 'member.cancelInvite', inviteId: inviteId('outsider@example.com') },
	'member.setRole': { type: 'member.setRole', userId: id('tim'), role: 'ORG_READ_ONLY' },
	'member.remove': { type: 'member.remove', userId: id('tim') },
	'member.leave': { type: 'member.leave' },
	'org.transferPrimaryAdmin': { type: 'org.transferPrimaryAdmin', userId: id('tim') },
	'org.close': { type: 'org.close' },
	'org.setContact': { type: 'org.setContact', contact: 'emergency', email: 'oncall@example.org' },
	'org.setBillingContact': { type: 'org.setBillingContact', email: 'ap@example.org' },
	'org.setSecurity': { type: 'org.setSecurity', requireTwoFactor: false, idleTimeoutMinutes: 30, absoluteTimeoutHours: 12 },
	'org.setNotifications': { type: 'org.setNotifications', email: 'alerts@example.org', webhook: 'https://hooks.example.org/roster' },
	'member.addManaged': { type: 'member.addManaged', userId: id('newbie'), role: 'ORG_MEMBER' },
	// mona is managed, in team Ops and individually an owner of Apollo (which other owners keep).
	'member.deleteManaged': { type: 'member.deleteManaged', userId: id('mona') },
	'member.provision': { type: 'member.provision', userId: id('newbie'), role: 'ORG_MEMBER' },
	'card.add': { type: 'card.add', cardId: 'c-new', brand: 'visa', last4: '1111', expMonth: 1, expYear: 2099, holder: 'Acme Inc' },
	'card.setDefault': { type: 'card.setDefault', cardId: 'c-2' },
	'card.remove': { type: 'card.remove', cardId: 'c-1' },
	'billing.setInfo': { type: 'billing.setInfo', billingEmail: 'ap@example.org', company: 'Acme Inc', address: '1 Main St', vatId: 'DE123' },
	'deployment.create': {
		type: 'deployment.create',
		projectId: projectId('Apollo'),
		deploymentId: 'd-new',
		name: 'analytics',
		plan: 'dedicated'
	},
	'deployment.delete': { type: 'deployment.delete', projectId: projectId('Apollo'), deploymentId: 'd-main' },
	'team.create': { type: 'team.create', teamId: 't-new', name: 'New team' },
	'team.rename': { type: 'team.rename', teamId: teamId('Ops'), name: 'Operations' },
	'team.delete': { type: 'team.delete', teamId: teamId('Ops') },
	'team.addMember': { type: 'team.addMember', teamId: teamId('Ops'), userId: id('creator') },
	'team.removeMember': { type: 'team.removeMember', teamId: teamId('Ops'), userId: id('tim') },
	'team.addInvitee': { type: 'team.addInvitee', teamId: teamId('Ops'), inviteId: inviteId('outsider@example.com') },
	'team.removeInvitee': { type: 'team.removeInvitee', teamId: teamId('Dev'), inviteId: inviteId('placed@example.org') },
	'project.create': { type: 'project.create', projectId: 'p-new', name: 'New project' },
	'project.addUser': { type: 'project.addUser', projectId: projectId('Apollo'), username: 'zed', roles: ['PROJECT_READ_ONLY'] },
	'project.invite': {
		type: 'project.invite',
		projectId: projectId('Apollo'),
		inviteId: 'i-new',
		email: 'new.person@example.org',
		roles: ['PROJECT_READ_ONLY']
	},
	'project.cancelInvite': { type: 'project.cancelInvite', projectId: projectId('Apollo'), inviteId: inviteId('pending@example.org') },
	'project.addTeam': { type: 'project.addTeam', projectId: projectId('Apollo'), teamId: teamId('Ops'), roles: ['PROJECT_READ_ONLY'] },
	'project.setUserRoles': {
		type: 'project.setUserRoles',
		projectId: projectId('Apollo'),
		userId: id('tim'),
		roles: ['PROJECT_OWNER', 'PROJECT_READ_ONLY']
	},
	'project.setTeamRoles': {
		type: 'project.setTeamRoles',
		projectId: projectId('Apollo'),
		teamId: teamId('Dev'),
		roles: ['PROJECT_CLUSTER_MANAGER']
	},
	'project.removeUser': { type: 'project.removeUser', projectId: projectId('Apollo'), userId: id('tim') },
	'project.removeTeam': { type: 'project.removeTeam', projectId: projectId('Apollo'), teamId: teamId('Dev') },
	'project.close': { type: 'project.close', projectId: projectId('Apollo') },
	'join.request': { type: 'join.request', projectId: projectId('Apollo') },
	'join.approve': { type: 'join.approve', projectId: projectId('Apollo'), userId: id('tim2'), roles: ['PROJECT_READ_ONLY'] },
	'join.deny': { type: 'join.deny', projectId: projectId('Apollo'), userId: id('tim2') },
	'invite.accept': { type: 'invite.accept', inviteId: inviteId('outsider@example.com') },
	// robot is a member service account holding secret s-robot; newbot a service account not yet a member.
	'serviceAccount.add': {
		type: 'serviceAccount.add',
		userId: id('newbot'),
		description: 'Deploys',
		role: 'ORG_MEMBER',
		projects: [{ projectId: projectId('Apollo'), roles: ['PROJECT_CLUSTER_MANAGER'] }]
	},
	'serviceAccount.update': { type: 'serviceAccount.update', userId: id('robot'), description: 'Nightly export' },
	'serviceAccount.addSecret': { type: 'serviceAccount.addSecret', userId: id('robot'), secretId: 's-new', expiresAt: NOW + 86_400_000 },
	'serviceAccount.revokeSecret': { type: 'serviceAccount.revokeSecret', userId: id('robot'), secretId: 's-robot' },
	'serviceAccount.delete': { type: 'serviceAccount.delete', userId: id('robot') },
	'serviceAccount.setPolicy': { type: 'serviceAccount.setPolicy', secretMaxDays: 90 },
	'sso.configure': {
		type: 'sso.configure',
		providerId: 'corp',
		required: true,
		defaultRole: null,
		grants: [
			{
				group: 'eng',
				role: 'ORG_MEMBER',
				teams: [teamId('Ops')],
				projects: [{ projectId: projectId('Apollo'), roles: ['PROJECT_READ_ONLY'] }]
			}
		]
	},
	// The organization is linked (setup): the outsider, in no mapped group, joins with the default role.
	'sso.apply': { type: 'sso.apply', userId: id('outsider'), groups: ['contractors'] },
	// rules §6: tim's place in Ops ends tomorrow; the server's own mutations act on the one seeded below (due a second ago).
	'access.setExpiry': {
		type: 'access.setExpiry',
		target: { kind: 'team', teamId: teamId('Ops'), userId: id('tim') },
		expiry: { at: NOW + 86_400_000 }
	},
	'access.expire': { type: 'access.expire', target: { kind: 'team', teamId: teamId('Ops'), userId: id('tim') }, at: NOW - 1000 },
	'access.remindExpiry': { type: 'access.remindExpiry', target: { kind: 'team', teamId: teamId('Ops'), userId: id('tim') }, at: NOW - 1000 }
};

export function setup(type: MutationType) {
	const others = ['outsider', 'zed', 'newbie', 'newbot'];
	if (type === 'org.create') return emptyOrg([...Object.values(USERNAME), 'tim', ...others]);
	const fx = orgWith({
		primaryAdmin: 'admin',
		members: [
			{ username: 'admin', role: 'ORG_OWNER' },
			...OrgRole.options.map((role) => ({ username: USERNAME[role], role })),
			{ username: 'tim', role: 'ORG_MEMBER' },
			{ username: 'tim2', role: 'ORG_MEMBER' },
			{ username: 'mona', role: 'ORG_MEMBER' },
			{ username: 'robot', role: 'ORG_MEMBER' }
		],
		verified: ['tim', 'outsider'],
		others,
		managed: ['mona', 'newbie'],
		service: ['robot', 'newbot'],
		invites: ['outsider@example.com', ['placed@example.org', ['Dev']]],
		cards: ['c-1', 'c-2'],
		teams: [
			{ name: 'Ops', members: ['tim', 'mona'] },
			{ name: 'Dev', members: ['tim'] }
		],
		projects: [
			{
				name: 'Apollo',
				users: [
					['tim', ['PROJECT_OWNER']],
					['admin', ['PROJECT_OWNER']],
					['mona', ['PROJECT_OWNER']]
				],
				teams: [['Dev', ['PROJECT_OWNER']]],
				requests: ['tim2'],
				invites: ['pending@example.org'],
				deployments: ['main']
			}
		]
	});
	// rules §5: provisioning is an Organization Owner service account's.
	if (type === 'member.provision') {
		applyChanges(fx.state, [{ kind: 'member.put', member: { ...fx.state.member(id('robot'))!, role: 'ORG_OWNER' } }], 'test');
	}
	// Linked to a provider, with a default role, for the mapping to apply to.
	const sso = { providerId: 'corp', required: false, defaultRole: 'ORG_MEMBER' as const, grants: [] };
	if (type === 'sso.apply') applyChanges(fx.state, [{ kind: 'org.put', org: { ...fx.state.org()!, sso } }], 'test');
	if (type === 'access.expire' || type === 'access.remindExpiry') {
		applyChanges(fx.state, [{ kind: 'teamMember.put', teamId: teamId('Ops'), userId: id('tim'), expiry: { at: NOW - 1000 } }], 'test');
	}
	return fx;
}
