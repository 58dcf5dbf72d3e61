import { withoutExpiry } from '../expiry.ts';
import { memberOf } from '../members.ts';
import { refuse } from '../refusals.ts';
import { NEVER_PRIMARY_ADMIN } from '../service-accounts.ts';
import { ContactKind, Email, Id, NotificationChannels, OrgName, OrgSecurity } from '../schemas.ts';
import type { Change, OrgState } from '../state.ts';
import { accept, displayName as name } from '../verdict.ts';
import { defineMutation } from './define.ts';

/** Where a webhook goes, without its path or query (which may hold a token): what members see of it. */
export function webhookShown(url: string): string {
	const u = new URL(url);
	return `${u.protocol}//${u.host}${u.pathname === '/' && !u.search ? '' : '/…'}`;
}

/**
 * rules §2: alerts go only where the server's policy posts them; a host at a private address never gets one. An address
 * written in the URL is named; one a name resolves to is not: the server's own network is not shown to whoever asks.
 */
function privateWebhook(state: OrgState, url: string) {
	const address = state.privateWebhookAddress(url);
	if (!address) return undefined;
	const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
	const where = host === address ? `such as ${address}` : `(${host} is at one)`;
	return refuse(
		'WEBHOOK_PRIVATE_ADDRESS',
		`Roster does not post alerts to private or local addresses ${where}: use an address reachable from the internet.`
	);
}

function firstWithDeployments(state: OrgState): string | undefined {
	const [projectId] = state.projectsWithDeployments();
	return projectId === undefined ? undefined : (state.project(projectId)?.project()?.name ?? 'one');
}

/** The organization itself: creating, naming, handing on and closing it, and its settings. */
export const ORG_MUTATIONS = [
	defineMutation('org.create', {
		fields: { name: OrgName },
		access: 'anyone',
		sensitive: false,
		check: (state, ctx, m) => {
			if (state.org()) return refuse('ORG_EXISTS', 'An organization with this id already exists.');
			const user = state.user(ctx.actorId);
			if (!user) return refuse('USER_NOT_FOUND', 'Your account was not found.');
			return accept(
				{ kind: 'org.put', org: { id: m.orgId, name: m.name, status: 'active', primaryAdminId: user.id, createdAt: ctx.now } },
				{ kind: 'member.put', member: memberOf(user, 'ORG_OWNER', ctx.now) }
			);
		},
		describe: (m) => `Create organization “${m.name}”`
	}),

	defineMutation('org.rename', {
		fields: { name: OrgName },
		access: 'org.rename',
		sensitive: false,
		check: (_s, _c, m, { org }) => accept({ kind: 'org.put', org: { ...org, name: m.name } }),
		describe: (m) => `Rename organization to “${m.name}”`
	}),

	defineMutation('org.transferPrimaryAdmin', {
		fields: { userId: Id },
		access: 'org.transferPrimaryAdmin',
		sensitive: true,
		check: (state, _c, m, { org }) => {
			const target = state.member(m.userId);
			if (!target) return refuse('MEMBER_NOT_FOUND', 'That user is not a member of this organization.');
			if (target.userId === org.primaryAdminId) {
				return refuse('ALREADY_PRIMARY_ADMIN', `${name(target)} is already the primary admin.`);
			}
			if (target.service) return NEVER_PRIMARY_ADMIN;
			if (!state.user(target.userId)?.emailVerified) {
				return refuse(
					'EMAIL_NOT_VERIFIED',
					`${name(target)} has not verified their email address yet; the primary admin must have a verified email.`
				);
			}
			const changes: Change[] = [{ kind: 'org.put', org: { ...org, primaryAdminId: target.userId } }];
			// rules §6: the primary admin's membership never expires.
			if (target.role !== 'ORG_OWNER' || target.expiry) {
				changes.push({ kind: 'member.put', member: { ...withoutExpiry(target), role: 'ORG_OWNER' } });
			}
			return accept(...changes);
		},
		describe: (m, names) => `Make ${names.user(m.userId)} the primary admin`
	}),

	// Active deployments hold the organization open (invariant 8).
	defineMutation('org.close', {
		fields: {},
		access: 'org.close',
		sensitive: true,
		check: (state, ctx, _m, { org }) => {
			const open = firstWithDeployments(state);
			if (open) {
				return refuse('ORG_HAS_DEPLOYMENTS', `${org.name} cannot close while project ${open} has active deployments: delete them first.`);
			}
			// With an unpaid balance it waits, `closing`, for the billing run to issue its final invoice; otherwise it closes at once.
			if (state.billing().openInvoices().length) return accept({ kind: 'org.put', org: { ...org, status: 'closing', closingAt: ctx.now } });
			return accept({ kind: 'org.put', org: { ...org, status: 'closed', closedAt: ctx.now } });
		},
		describe: () => 'Close the organization'
	}),

	// null clears the contact, which then falls back to the primary admin's email.
	defineMutation('org.setContact', {
		fields: { contact: ContactKind.exclude(['billing']), email: Email.nullable() },
		access: 'org.contacts',
		sensitive: false,
		check: (_s, _c, m) => accept({ kind: 'contact.put', contact: m.contact, email: m.email }),
		describe: (m) => (m.email ? `Set the ${m.contact} contact to ${m.email}` : `Clear the ${m.contact} contact`)
	}),

	defineMutation('org.setBillingContact', {
		fields: { email: Email.nullable() },
		access: 'contacts.billing',
		sensitive: true,
		check: (_s, _c, m) => accept({ kind: 'contact.put', contact: 'billing', email: m.email }),
		describe: (m) => (m.email ? `Set the billing contact to ${m.email}` : 'Clear the billing contact')
	}),

	defineMutation('org.setSecurity', {
		fields: OrgSecurity.shape,
		access: 'org.security',
		sensitive: true,
		check: (_s, _c, m, { org, actor }) => {
			// Requiring what the primary admin lacks would leave it only able to view.
			if (m.requireTwoFactor && !actor.twoFactor) {
				return refuse('TWO_FACTOR_REQUIRED', 'Turn on two-factor authentication for yourself before requiring it of every member.');
			}
			const { requireTwoFactor, idleTimeoutMinutes, absoluteTimeoutHours } = m;
			return accept({ kind: 'org.put', org: { ...org, security: { requireTwoFactor, idleTimeoutMinutes, absoluteTimeoutHours } } });
		},
		describe: (m) => (m.requireTwoFactor ? 'Require two-factor and set session timeouts' : 'Set the security settings')
	}),

	// null clears a channel; a webhook left out stays as it is.
	defineMutation('org.setNotifications', {
		fields: NotificationChannels.shape,
		access: 'org.notifications',
		sensitive: true,
		check: (state, _c, m, { org }) => {
			const refusal = m.webhook ? privateWebhook(state, m.webhook) : undefined;
			if (refusal) return refusal;
			const webhook = m.webhook === undefined ? (org.notifications?.webhook ?? null) : m.webhook && webhookShown(m.webhook);
			return accept({ kind: 'org.put', org: { ...org, notifications: { email: m.email, webhook } } });
		},
		describe: () => 'Set the notification channels'
	})
] as const;
