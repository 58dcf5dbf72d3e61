import { memberOf } from '../members.ts';
import { ORG_ROLES } from '../roles.ts';
import { refuse } from '../refusals.ts';
import { Id, OrgRole, type Member } from '../schemas.ts';
import { accept, displayName as name } from '../verdict.ts';
import { defineMutation } from './define.ts';

/**
 * rules §5, provisioning (docs/scim.md): an identity provider provisions through a service
 * account that is an Organization Owner. Only a service account provisions: a person adds
 * members by username, email or invitation, and creates managed users as primary admin.
 */
export function mayProvision(actor: Member | undefined): boolean {
	return !!actor?.service && actor.role === 'ORG_OWNER';
}

export const PROVISIONING_MUTATIONS = [
	// A user the server created for the identity provider (managed by this organization, no password) joins, or joins again.
	defineMutation('member.provision', {
		fields: { userId: Id, role: OrgRole },
		access: 'members.manage',
		sensitive: true,
		serverOnly: 'Provisioned users are created through SCIM, which also makes their account.',
		check: (state, ctx, m, { org, actor }) => {
			if (!mayProvision(actor)) return refuse('NOT_PROVISIONER', 'Only a service account that is an Organization Owner provisions users.');
			const user = state.user(m.userId);
			if (!user) return refuse('USER_NOT_FOUND', 'That user does not exist.');
			if (user.managedBy !== org.id || user.service) return refuse('NOT_MANAGED', `${name(user)} is not a user that ${org.name} manages.`);
			if (state.member(user.id)) return refuse('ALREADY_MEMBER', `${name(user)} is already a member of ${org.name}.`);
			return accept({ kind: 'member.put', member: memberOf(user, m.role, ctx.now) });
		},
		describe: (m, names) => `Provision ${names.user(m.userId)} as ${ORG_ROLES[m.role].label}`
	})
] as const;
