import type { OrgRole, ProjectRole } from './schemas.ts';

/** What a role may do, named by action; a mutation names the action it needs (see mutations/). */
export type OrgAction =
	| 'org.view'
	| 'org.rename'
	| 'members.manage'
	| 'teams.manage'
	| 'projects.create'
	/** Read every project of the organization without being assigned to it. */
	| 'projects.readAll'
	/** Act in projects (ask to join, use project roles): everyone but read-only members, who only view. */
	| 'projects.participate'
	| 'activity.view'
	/** Read the organization's access as of any moment, and what changed between two (rules §2 "History"). */
	| 'history.view'
	/** Read the billing document (cards, invoices, billing info). */
	| 'billing.view'
	/** Add and remove cards, set the default, billing email and organization info. */
	| 'billing.manage'
	/** Download the organization's data (JSON) and member list (CSV). */
	| 'org.export'
	/** Set the billing contact: any member but a read-only one (rules §4). */
	| 'contacts.billing';

/**
 * Actions only the primary admin may take, whatever its role (rules §2). org.contacts: the technical
 * and emergency contacts; org.security: required two-factor and session timeouts; users.manage: the
 * users the organization manages; mailLog.view: the mail sent on its behalf (development, without SMTP).
 */
export type PrimaryAdminAction =
	| 'org.transferPrimaryAdmin'
	| 'org.close'
	| 'org.contacts'
	| 'org.security'
	| 'org.notifications'
	| 'users.manage'
	| 'mailLog.view'
	/** Single sign-on: the provider link, the group mapping, and whether it is required. */
	| 'org.sso';

export interface OrgRoleInfo {
	label: string;
	summary: string;
	may: readonly OrgAction[];
	/** Project roles the role holds in every project of the organization. */
	implicitProjectRoles: readonly ProjectRole[];
}

const viewer: readonly OrgAction[] = ['org.view', 'projects.participate', 'contacts.billing'];

/** rules §2 organization roles as data: adding a role is adding a row. */
export const ORG_ROLES: Record<OrgRole, OrgRoleInfo> = {
	ORG_OWNER: {
		label: 'Organization Owner',
		summary: 'Everything in the organization; owner of every project',
		may: [
			'org.view',
			'org.rename',
			'members.manage',
			'teams.manage',
			'projects.create',
			'projects.readAll',
			'projects.participate',
			'activity.view',
			'history.view',
			'contacts.billing',
			'org.export',
			'billing.view',
			'billing.manage'
		],
		implicitProjectRoles: ['PROJECT_OWNER']
	},
	ORG_PROJECT_CREATOR: {
		label: 'Project Creator',
		summary: 'Creates projects; otherwise a member',
		may: [...viewer, 'projects.create'],
		implicitProjectRoles: []
	},
	ORG_BILLING_ADMIN: {
		label: 'Billing Admin',
		summary: 'Manages billing; otherwise a member',
		may: [...viewer, 'billing.view', 'billing.manage'],
		implicitProjectRoles: []
	},
	ORG_BILLING_VIEWER: {
		label: 'Billing Viewer',
		summary: 'Views billing; otherwise a member',
		may: [...viewer, 'billing.view'],
		implicitProjectRoles: []
	},
	ORG_READ_ONLY: {
		label: 'Read Only',
		summary: 'Views everything; changes only its own profile',
		may: ['org.view', 'projects.readAll', 'activity.view', 'history.view', 'billing.view'],
		implicitProjectRoles: []
	},
	ORG_MEMBER: {
		label: 'Member',
		summary: 'Views the organization, its users and teams, and its own projects',
		may: viewer,
		implicitProjectRoles: []
	}
};

export type ProjectAction = 'project.view' | 'project.manage' | 'deployments.manage';

/** rules §2 project roles as data. An organization owner is an implicit project owner. */
export const PROJECT_ROLES: Record<ProjectRole, { label: string; summary: string; may: readonly ProjectAction[] }> = {
	PROJECT_OWNER: {
		label: 'Owner',
		summary: "Manages the project's users, teams, roles, invitations and deployments",
		may: ['project.view', 'project.manage', 'deployments.manage']
	},
	PROJECT_CLUSTER_MANAGER: {
		label: 'Cluster Manager',
		summary: 'Creates, changes and deletes deployments',
		may: ['project.view', 'deployments.manage']
	},
	PROJECT_READ_ONLY: {
		label: 'Read only',
		summary: 'Views the project',
		may: ['project.view']
	}
};

export function projectRolesMay(roles: readonly ProjectRole[], action: ProjectAction): boolean {
	return roles.some((r) => PROJECT_ROLES[r].may.includes(action));
}

export function roleMay(role: OrgRole, action: OrgAction): boolean {
	return ORG_ROLES[role].may.includes(action);
}

/** Each action in words, to finish "you may not …" in a refusal. */
export const ACTION_WORDS: Record<OrgAction | PrimaryAdminAction | ProjectAction, string> = {
	'org.view': 'view the organization',
	'mailLog.view': "read the organization's mail log",
	'org.rename': 'rename the organization',
	'members.manage': 'add or remove members or change their roles',
	'teams.manage': 'create, change or delete teams',
	'projects.create': 'create projects',
	'projects.readAll': 'read every project of the organization',
	'projects.participate': 'ask to join projects or act in them (read-only members only view)',
	'activity.view': "view the organization's activity",
	'history.view': "read the organization's access history",
	'billing.view': 'view billing',
	'billing.manage': 'manage billing',
	'org.export': "download the organization's data",
	'contacts.billing': 'set the billing contact',
	'org.transferPrimaryAdmin': 'transfer primary admin',
	'org.close': 'close the organization',
	'org.contacts': 'set the technical and emergency contacts',
	'org.security': "change the organization's security settings",
	'org.notifications': 'configure notification channels',
	'org.sso': 'set up single sign-on',
	'users.manage': 'create, change or delete the users this organization manages',
	'project.view': 'view this project',
	'project.manage': "manage this project's users, teams and roles",
	'deployments.manage': "create or delete this project's deployments"
};

export const PROJECT_ACTIONS: readonly ProjectAction[] = ['project.view', 'project.manage', 'deployments.manage'];

export const PRIMARY_ADMIN_ACTIONS: readonly PrimaryAdminAction[] = [
	'org.transferPrimaryAdmin',
	'org.close',
	'org.contacts',
	'org.security',
	'org.notifications',
	'users.manage',
	'mailLog.view',
	'org.sso'
];

/** Whether this member may take this action: the role table, or for a primary-admin action, being the primary admin. */
export function memberMay(role: OrgRole, isPrimaryAdmin: boolean, action: OrgAction | PrimaryAdminAction): boolean {
	return (PRIMARY_ADMIN_ACTIONS as readonly string[]).includes(action) ? isPrimaryAdmin : roleMay(role, action as OrgAction);
}
