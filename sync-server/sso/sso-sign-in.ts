import { randomBytes, randomUUID } from 'node:crypto';
import { DisplayName, Email, checkMutation, type Mutation, type Refusal } from '$lib/domain/index.ts';
import { hashPassword } from '../auth.ts';
import type { HttpDeps } from '../http/deps.ts';
import type { StoredUser } from '../storage/accounts.ts';
import type { OidcProviderConfig } from './config.ts';

/** What the provider vouched for, read from validated tokens (openid-client checked them). */
export interface Vouched {
	subject: string;
	email?: string;
	emailVerified: boolean;
	preferredUsername?: string;
	name?: string;
	groups: string[];
}

/** A claim's groups as strings Roster can compare; anything else in the claim is ignored. */
export function groupsOf(claim: unknown): string[] {
	if (!Array.isArray(claim)) return [];
	return [...new Set(claim.filter((g): g is string => typeof g === 'string').map((g) => g.trim()))]
		.filter((g) => g.length > 0 && g.length <= 200)
		.slice(0, 500);
}

/** A username from what the provider says (rules §1: 3–32 of a-z 0-9 . _ -), made unique with a number. */
export async function freeUsername(deps: HttpDeps, vouched: Vouched): Promise<string> {
	const wanted = vouched.preferredUsername ?? vouched.email?.split('@')[0] ?? 'user';
	let base = wanted
		.toLowerCase()
		.normalize('NFKD')
		.replace(/[^a-z0-9._-]+/g, '-')
		.replace(/^[-.]+|[-.]+$/g, '')
		.slice(0, 26);
	if (base.length < 3) base = `${base}-user`.replace(/^-/, '');
	for (let n = 1; n < 50; n++) {
		const name = n === 1 ? base : `${base}-${n}`;
		if (!(await deps.accounts.userByUsername(name))) return name;
	}
	return `${base.slice(0, 20)}-${randomBytes(4).toString('hex')}`;
}

/**
 * The user signing in first through this provider: no password anyone knows (it signs in through the provider).
 * Undefined when the provider's address is not one Roster takes. What the provider says is held to the
 * same rules as a form: a name with control or direction characters is left out, not stored.
 */
export async function createSsoUser(deps: HttpDeps, p: OidcProviderConfig, vouched: Vouched): Promise<StoredUser | undefined> {
	const email = Email.safeParse(vouched.email);
	if (!email.success) return undefined;
	const name = DisplayName.safeParse([...(vouched.name ?? '')].slice(0, 100).join(''));
	for (;;) {
		const user: StoredUser = {
			id: randomUUID(),
			username: await freeUsername(deps, vouched),
			email: email.data,
			emailVerified: vouched.emailVerified,
			displayName: name.success ? name.data : '',
			passwordHash: await hashPassword(randomBytes(32).toString('base64url'), deps.scrypt)
		};
		// Another sign-in may take the name between the look-up and the insert: pick again.
		if (!(await deps.accounts.insertUser(user, deps.now()))) continue;
		if (await deps.accounts.linkSso(p.id, vouched.subject, user.id, deps.now())) return user;
		// The same person's other callback linked its own new user first: that one is the user, this one goes.
		await deps.accounts.deleteUser(user.id);
		const winner = await deps.accounts.ssoUser(p.id, vouched.subject);
		return winner ? deps.accounts.user(winner) : undefined;
	}
}

/**
 * rules §5 provisioning: an account an organization provisioned (SCIM) at the address the provider
 * verifies is this person's, when that organization is linked to this provider (and the operator lets
 * it be): the first sign-in claims it instead of making a second account.
 */
export async function claimProvisioned(deps: HttpDeps, p: OidcProviderConfig, vouched: Vouched): Promise<StoredUser | undefined> {
	if (!vouched.emailVerified || !vouched.email) return undefined;
	for (const user of await deps.accounts.unclaimedUsersByEmail(vouched.email)) {
		const orgId = user.managedBy!;
		if (p.organizations && !p.organizations.includes(orgId)) continue;
		if ((await deps.hub.orgState(orgId))?.org()?.sso?.providerId !== p.id) continue;
		if (!(await deps.accounts.linkSso(p.id, vouched.subject, user.id, deps.now()))) return undefined;
		await deps.accounts.markEmailVerified(user.id, user.email);
		return { ...user, emailVerified: true };
	}
	return undefined;
}

/** The open organizations linked to this provider and allowed to be by the operator: the mapping is applied in each (rules §2). */
async function linkedOrgs(deps: HttpDeps, p: OidcProviderConfig): Promise<string[]> {
	const linked: string[] = [];
	for (const orgId of p.organizations ?? (await deps.hub.orgIds())) {
		const org = (await deps.hub.orgState(orgId))?.org();
		if (org?.sso?.providerId === p.id && org.status !== 'closed') linked.push(orgId);
	}
	return linked;
}

/** A mapping refused (the last owner, a project's last owner): the organization's admins are told, nothing changed. */
async function reportRefusal(deps: HttpDeps, orgId: string, user: StoredUser, refusal: Refusal) {
	const state = await deps.hub.orgState(orgId);
	const org = state?.org();
	if (!state || !org) return;
	// The primary admin's address from the accounts (the organization's directory holds only who it has loaded).
	const admin = await deps.accounts.user(org.primaryAdminId);
	const to = new Set([admin?.email, org.notifications?.email].filter((e): e is string => !!e));
	const text = [
		`${user.username} signed in to Roster through single sign-on, but the group mapping of ${org.name} was not applied:`,
		'',
		refusal.message,
		'',
		'Nothing was changed. Adjust the mapping or the groups at the identity provider; it is applied again at the next sign-in.',
		`${deps.publicUrl()}/orgs/${org.id}/settings`
	].join('\n');
	for (const address of to) {
		await deps.mailer
			.send({ to: address, subject: `Single sign-on mapping refused in ${org.name}`, text, orgId })
			.catch((err: unknown) => console.error('sso report mail failed', err));
	}
}

/**
 * Each linked organization gets the person's groups it maps (no others: they are not its to know) as one
 * mutation, applied whole or refused and reported; one that would change nothing is not sent or recorded.
 */
export async function applyMappings(deps: HttpDeps, p: OidcProviderConfig, user: StoredUser, groups: string[]) {
	const by = `Roster applied this when ${user.username} signed in through ${p.name}.`;
	for (const orgId of await linkedOrgs(deps, p)) {
		const state = await deps.hub.orgState(orgId);
		const mapped = new Set(state?.org()?.sso?.grants.map((g) => g.group));
		const mutation: Mutation = { type: 'sso.apply', orgId, userId: user.id, groups: groups.filter((g) => mapped.has(g)) };
		const now = checkMutation(state!, { actorId: user.id, now: deps.now() }, mutation);
		if (now.ok && now.changes.length === 0) continue;
		const verdict = await deps.hub.submitAndWait(user.id, randomUUID(), mutation, undefined, by);
		if (!verdict.ok) await reportRefusal(deps, orgId, user, verdict);
	}
}
