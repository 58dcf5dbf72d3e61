import { z } from 'zod';
import { memberOf } from '../members.ts';
import { refuse } from '../refusals.ts';
import { ORG_ROLES } from '../roles.ts';
import { DAY_MS, MAX_LIVE_SECRETS, SELF_PERPETUATING, liveSecrets, secretMaxDays, serviceAccountOf } from '../service-accounts.ts';
import { Id, OrgRole, ProjectRoles, SECRET_MAX_DAYS_RANGE } from '../schemas.ts';
import { ServiceDescription } from '../service-account-schemas.ts';
import type { Change } from '../state.ts';
import { accept } from '../verdict.ts';
import { defineMutation } from './define.ts';
import { guardOwnership, leaveChanges } from './members.ts';

/** Project roles a new service account starts with, through the same assignments as a person's. */
const ProjectGrants = z
	.array(z.strictObject({ projectId: Id, roles: ProjectRoles }))
	.max(100)
	.optional();

const day = (at: number) => new Date(at).toISOString().slice(0, 10);

/**
 * rules §5 service accounts: owners create them (the server makes the account and, later, each
 * secret, so these two arrive only from the server), describe, revoke secrets and delete them;
 * the organization caps how long a secret lives. A service account mints none of these itself.
 */
export const SERVICE_ACCOUNT_MUTATIONS = [
	defineMutation('serviceAccount.add', {
		fields: { userId: Id, description: ServiceDescription, role: OrgRole, projects: ProjectGrants },
		access: 'members.manage',
		sensitive: true,
		serverOnly: 'Service accounts are created through the Service accounts page, which also makes their account.',
		check: (state, ctx, m, { org, actor }) => {
			if (actor.service) return SELF_PERPETUATING;
			const user = state.user(m.userId);
			if (!user?.service || user.managedBy !== org.id) {
				return refuse('SERVICE_ACCOUNT_NOT_FOUND', `That account is not a service account of ${org.name}.`);
			}
			if (state.member(user.id)) return refuse('ALREADY_MEMBER', `${user.username} is already a member of ${org.name}.`);
			const changes: Change[] = [
				{ kind: 'member.put', member: memberOf(user, m.role, ctx.now) },
				{
					kind: 'serviceAccount.put',
					account: { userId: user.id, description: m.description, createdAt: ctx.now, createdBy: actor.userId, secrets: [] }
				}
			];
			for (const { projectId, roles } of m.projects ?? []) {
				const project = state.project(projectId)?.project();
				if (!project) return refuse('PROJECT_NOT_FOUND', 'One of the chosen projects does not exist (it may have just been deleted).');
				if (project.status !== 'active') return refuse('PROJECT_CLOSED', `Project ${project.name} is closed.`);
				changes.push({ kind: 'projectUser.put', projectId, userId: user.id, roles });
			}
			return accept(...changes);
		},
		describe: (m, names) => `Create service account ${names.user(m.userId)} as ${ORG_ROLES[m.role].label}`
	}),

	defineMutation('serviceAccount.update', {
		fields: { userId: Id, description: ServiceDescription },
		access: 'members.manage',
		sensitive: true,
		check: (state, _c, m, { org }) => {
			const account = serviceAccountOf(state, org, m.userId);
			if (!('userId' in account)) return account;
			return accept({ kind: 'serviceAccount.put', account: { ...account, description: m.description } });
		},
		describe: (m, names) => `Describe service account ${names.user(m.userId)}`
	}),

	// Expired secrets leave the list when a new one joins it: they open nothing, and the list stays short.
	defineMutation('serviceAccount.addSecret', {
		fields: { userId: Id, secretId: Id, expiresAt: z.number().int() },
		access: 'members.manage',
		sensitive: true,
		serverOnly: 'A secret is made by the server, which shows it once: use New secret on the Service accounts page.',
		check: (state, ctx, m, { org, actor }) => {
			if (actor.service) return SELF_PERPETUATING;
			const account = serviceAccountOf(state, org, m.userId);
			if (!('userId' in account)) return account;
			if (m.expiresAt <= ctx.now) return refuse('SECRET_EXPIRY', 'A secret must expire in the future: choose a later date.');
			const days = secretMaxDays(org);
			if (m.expiresAt > ctx.now + days * DAY_MS) {
				return refuse(
					'SECRET_EXPIRY',
					`${org.name} lets a secret live at most ${days} days: choose an expiry by ${day(ctx.now + days * DAY_MS)}.`
				);
			}
			const live = liveSecrets(account, ctx.now);
			if (live.length >= MAX_LIVE_SECRETS) {
				return refuse('TOO_MANY_SECRETS', `A service account holds at most ${MAX_LIVE_SECRETS} live secrets: revoke one first.`);
			}
			if (account.secrets.some((s) => s.id === m.secretId)) return refuse('INVALID_MUTATION', 'That secret id is already taken.');
			const secret = { id: m.secretId, createdAt: ctx.now, createdBy: actor.userId, expiresAt: m.expiresAt };
			return accept({ kind: 'serviceAccount.put', account: { ...account, secrets: [...live, secret] } });
		},
		describe: (m, names) => `Create a secret for service account ${names.user(m.userId)}, expiring ${day(m.expiresAt)}`
	}),

	defineMutation('serviceAccount.revokeSecret', {
		fields: { userId: Id, secretId: Id },
		access: 'members.manage',
		sensitive: true,
		check: (state, _c, m, { org }) => {
			const account = serviceAccountOf(state, org, m.userId);
			if (!('userId' in account)) return account;
			if (!account.secrets.some((s) => s.id === m.secretId)) {
				return refuse('SECRET_NOT_FOUND', 'That secret is no longer there (it may have just been revoked).');
			}
			return accept({ kind: 'serviceAccount.put', account: { ...account, secrets: account.secrets.filter((s) => s.id !== m.secretId) } });
		},
		describe: (m, names) => `Revoke a secret of service account ${names.user(m.userId)}`
	}),

	// Invariant 3 as for a removal: it leaves its teams and projects; the server then deletes the account and its secrets.
	defineMutation('serviceAccount.delete', {
		fields: { userId: Id },
		access: 'members.manage',
		sensitive: true,
		serverOnly: 'Service accounts are deleted through the Service accounts page, which also deletes their account and secrets.',
		check: (state, _c, m, { org }) => {
			const account = serviceAccountOf(state, org, m.userId);
			if (!('userId' in account)) return account;
			const member = state.member(m.userId);
			const refusal =
				member &&
				guardOwnership(state, org, member, ['PRIMARY_ADMIN_REMOVAL', 'The primary admin cannot be deleted: transfer primary admin first.']);
			if (refusal) return refusal;
			return accept(...(member ? leaveChanges(state, m.userId) : []), { kind: 'serviceAccount.delete', userId: m.userId });
		},
		describe: (m, names) => `Delete service account ${names.user(m.userId)}`
	}),

	// Secrets already made keep their expiry under a lower cap: shortening them would break running automation unannounced.
	defineMutation('serviceAccount.setPolicy', {
		fields: { secretMaxDays: SECRET_MAX_DAYS_RANGE },
		access: 'members.manage',
		sensitive: true,
		check: (_s, _c, m, { org, actor }) => {
			if (actor.service) return SELF_PERPETUATING;
			return accept({ kind: 'org.put', org: { ...org, secretMaxDays: m.secretMaxDays } });
		},
		describe: (m) => `Let service account secrets live at most ${m.secretMaxDays} days`
	})
] as const;
