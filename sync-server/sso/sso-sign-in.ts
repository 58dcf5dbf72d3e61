import { randomBytes, randomUUID } from 'node:crypto';
import { Email, type Refusal } from '$lib/domain/index.ts';
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

/** The user signing in first through this provider: no password anyone knows (it signs in through the provider). */
export async function createSsoUser(deps: HttpDeps, p: OidcProviderConfig, vouched: Vouched): Promise<StoredUser> {
	const email = Email.parse(vouched.email);
	for (;;) {
		const user: StoredUser = {
			id: randomUUID(),
			username: await freeUsername(deps, vouched),
			email,
			emailVerified: vouched.emailVerified,
			displayName: (vouched.name ?? '').slice(0, 100),
			passwordHash: await hashPassword(randomBytes(32).toString('base64url'), deps.scrypt)
		};
		// Another sign-in may take the name between the look-up and the insert: pick again.
		if (await deps.accounts.insertUser(user, deps.now())) {
			await deps.accounts.linkSso(p.id, vouched.subject, user.id, deps.now());
			return user;
		}
	}
}

/** The organizations linked to this provider: the mapping is applied in each (rules §2). */
async function linkedOrgs(deps: HttpDeps, providerId: string): Promise<string[]> {
	const linked: string[] = [];
	for (const orgId of await deps.hub.orgIds()) {
		if ((await deps.hub.orgState(orgId))?.org()?.sso?.providerId === providerId) linked.push(orgId);
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

/** Each linked organization gets the person's current groups as one mutation: applied whole, or refused and reported. */
export async function applyMappings(deps: HttpDeps, p: OidcProviderConfig, user: StoredUser, groups: string[]) {
	const by = `Roster applied this when ${user.username} signed in through ${p.name}.`;
	for (const orgId of await linkedOrgs(deps, p.id)) {
		const verdict = await deps.hub.submitAndWait(
			user.id,
			randomUUID(),
			{ type: 'sso.apply', orgId, userId: user.id, groups },
			undefined,
			by
		);
		if (!verdict.ok) await reportRefusal(deps, orgId, user, verdict);
	}
}
