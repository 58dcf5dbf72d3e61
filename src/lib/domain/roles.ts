import type { OrgRole } from './schemas.ts';

/** What a role may do, named by action; a mutation names the action it needs (see mutations.ts). */
export type OrgAction = 'org.view' | 'org.rename' | 'members.manage' | 'teams.manage';

/** Actions only the primary admin may take, whatever its role (SPEC §2). */
export type PrimaryAdminAction = 'org.transferPrimaryAdmin';

export interface OrgRoleInfo {
	label: string;
	summary: string;
	may: readonly OrgAction[];
}

const viewer: readonly OrgAction[] = ['org.view'];

/** SPEC §2 organization roles as data: adding a role is adding a row. */
export const ORG_ROLES: Record<OrgRole, OrgRoleInfo> = {
	ORG_OWNER: {
		label: 'Organization Owner',
		summary: 'Everything in the organization; owner of every project',
		may: ['org.view', 'org.rename', 'members.manage', 'teams.manage']
	},
	ORG_PROJECT_CREATOR: {
		label: 'Project Creator',
		summary: 'Creates projects; otherwise a member',
		may: viewer
	},
	ORG_BILLING_ADMIN: {
		label: 'Billing Admin',
		summary: 'Manages billing; otherwise a member',
		may: viewer
	},
	ORG_BILLING_VIEWER: {
		label: 'Billing Viewer',
		summary: 'Views billing; otherwise a member',
		may: viewer
	},
	ORG_READ_ONLY: {
		label: 'Read Only',
		summary: 'Views everything; changes only its own profile',
		may: viewer
	},
	ORG_MEMBER: {
		label: 'Member',
		summary: 'Views the organization, its users and teams, and its own projects',
		may: viewer
	}
};

export function roleMay(role: OrgRole, action: OrgAction): boolean {
	return ORG_ROLES[role].may.includes(action);
}

export const PRIMARY_ADMIN_ACTIONS: readonly PrimaryAdminAction[] = ['org.transferPrimaryAdmin'];
