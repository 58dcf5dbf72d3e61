import { z } from 'zod';
import { orgClosed, orgClosing, refuse } from '../refusals.ts';
import { ORG_ROLES } from '../roles.ts';
import { Id, OrgRole, SsoGrant, SsoGroup, SsoProviderId, type Organization } from '../schemas.ts';
import { ssoChanges, ssoTarget } from '../sso-mapping.ts';
import { accept, displayName as name } from '../verdict.ts';
import { defineMutation } from './define.ts';
import { guardOwnership, leaveChanges } from './members.ts';

const notLinked = (org: Organization) =>
	refuse('SSO_NOT_LINKED', `${org.name} is not linked to an identity provider: its primary admin links it in Settings.`);

/** rules §2 single sign-on: the primary admin's link and mapping, and the mapping applied at each sign-in. */
export const SSO_MUTATIONS = [
	// null unlinks: the mapping and the requirement go with the link.
	defineMutation('sso.configure', {
		fields: {
			providerId: SsoProviderId.nullable(),
			required: z.boolean(),
			defaultRole: OrgRole.nullable(),
			grants: z.array(SsoGrant).max(100)
		},
		access: 'org.sso',
		sensitive: true,
		check: (state, _c, m, { org }) => {
			if (m.providerId === null) {
				const { sso: _dropped, ...rest } = org;
				return accept({ kind: 'org.put', org: rest });
			}
			// A grant names teams and projects of this organization only (invariant 3 keeps memberships inside it).
			for (const grant of m.grants) {
				if (grant.teams.some((t) => !state.team(t))) {
					return refuse('TEAM_NOT_FOUND', `A team the “${grant.group}” group maps to does not exist (it may have just been deleted).`);
				}
				if (grant.projects.some((p) => !state.project(p.projectId)?.project())) {
					return refuse('PROJECT_NOT_FOUND', `A project the “${grant.group}” group maps to does not exist.`);
				}
			}
			const { providerId, required, defaultRole, grants } = m;
			return accept({ kind: 'org.put', org: { ...org, sso: { providerId, required, defaultRole, grants } } });
		},
		describe: (m) =>
			m.providerId === null
				? 'Unlink single sign-on'
				: `Link single sign-on to ${m.providerId}${m.required ? ' and require it' : ''} (${m.grants.length} group mappings)`
	}),

	// The server alone sends it (serverOnly), as the person signing in, with the groups the provider vouched for.
	// One mutation: the whole target membership is accepted or refused, never applied halfway.
	defineMutation('sso.apply', {
		fields: { userId: Id, groups: z.array(SsoGroup).max(500) },
		access: 'anyone',
		sensitive: false,
		serverOnly: 'Group mappings are applied by the server when someone signs in through the identity provider.',
		check: (state, ctx, m) => {
			const org = state.org();
			if (!org?.sso) return org ? notLinked(org) : refuse('SSO_NOT_LINKED', 'That organization does not exist.');
			if (org.status === 'closed') return orgClosed(org.name);
			if (org.status === 'closing') return orgClosing(org.name);
			const target = ssoTarget(org.sso, m.groups);
			const member = state.member(m.userId);
			if (!target) {
				// Someone the mapping does not take in: a member leaves; anyone else changes nothing here.
				if (!member) return accept();
				const refusal = guardOwnership(state, org, member, [
					'PRIMARY_ADMIN_REMOVAL',
					`${name(member)} is the primary admin and stays a member: the groups from the identity provider give no access to ${org.name}.`
				]);
				return refusal ?? accept(...leaveChanges(state, m.userId));
			}
			const user = state.user(m.userId);
			if (!user) return refuse('USER_NOT_FOUND', 'That user does not exist.');
			if (member?.role === 'ORG_OWNER' && target.role !== 'ORG_OWNER') {
				const refusal = guardOwnership(state, org, member, [
					'PRIMARY_ADMIN_ROLE',
					`${name(member)} is the primary admin and stays an Organization Owner: the groups from the identity provider map to ${ORG_ROLES[target.role].label}.`
				]);
				if (refusal) return refusal;
			}
			return accept(...ssoChanges(state, org.sso, user, target, ctx.now));
		},
		describe: (m, names) => `Apply the identity provider's groups to ${names.user(m.userId)} (${m.groups.length} groups)`
	})
] as const;
