import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
	DAY_MS,
	Id,
	NOT_A_MEMBER,
	OrgRole,
	ProjectRole,
	ServiceDescription,
	Username,
	refusalToAttempt,
	secretMaxDays,
	type Mutation,
	type OrgState,
	type ScopedType
} from '$lib/domain/index.ts';
import { newServiceSecret } from './bearer.ts';
import type { HttpApp, HttpDeps } from './deps.ts';
import { json, spendBudget, usernameTaken } from './io.ts';
import { enterOrg, requireGate } from './org-access.ts';
import { refused } from './status.ts';
import type { SignedIn, SignedInRequest } from './types.ts';
import { serverMutationId } from '../server-ids.ts';

/**
 * rules §5: the console's side of service accounts. An owner creates one (the account and the
 * serviceAccount.add mutation, rolled back together), makes a secret (shown once, only its hash
 * kept), deletes one, and lists them with when each secret was last used. Describing and revoking
 * are mutations the browser sends itself.
 */

export const ServiceAccountCreate = z.strictObject({
	org: Id,
	username: Username,
	description: ServiceDescription.default(''),
	role: OrgRole,
	projects: z
		.array(z.strictObject({ projectId: Id, roles: z.array(ProjectRole).min(1).max(3) }))
		.max(100)
		.optional()
});
export const SecretCreate = z.strictObject({
	org: Id,
	userId: Id,
	/** Days until it expires; the organization's cap when left out. */
	expiresInDays: z.number().int().min(1).max(365).optional()
});
export const ServiceAccountRef = z.strictObject({ org: Id, userId: Id });
export const ServiceAccountsQuery = z.strictObject({ org: Id });

/** The organization `me` manages service accounts of, asked before anything is written (the mutation is checked again). */
async function managed(deps: HttpDeps, me: SignedIn, orgId: string, type: ScopedType, gate = true): Promise<OrgState> {
	spendBudget(deps.hub, me.user.id);
	const state = await deps.hub.orgState(orgId);
	const refusal = state ? refusalToAttempt(state, me.user.id, type) : NOT_A_MEMBER;
	if (refusal) throw refused(refusal);
	await enterOrg(deps.hub, me, orgId);
	// rules §4 as on mutations: required two-factor, and a step-up (every service-account change is sensitive).
	if (gate) await requireGate(deps, me, state!, type);
	return state!;
}

/** POST /api/service-accounts: a new account, a member at once with its roles; without a password, so it never signs in. */
export async function createServiceAccount({ deps }: HttpApp, { res, me, body }: SignedInRequest<z.infer<typeof ServiceAccountCreate>>) {
	await managed(deps, me, body.org, 'serviceAccount.add');
	const { accounts, hub } = deps;
	if (await accounts.userByUsername(body.username)) throw usernameTaken(body.username);
	const user = {
		id: randomUUID(),
		username: body.username,
		// No inbox: the reserved .invalid domain, unverified, so no mail and no invitation ever finds it.
		email: `${body.username}@service-account.invalid`,
		emailVerified: false,
		displayName: '',
		managedBy: body.org,
		service: true as const,
		passwordHash: ''
	};
	if (!(await accounts.insertUser(user, deps.now()))) throw usernameTaken(body.username);
	const mutation: Mutation = {
		type: 'serviceAccount.add',
		orgId: body.org,
		userId: user.id,
		description: body.description,
		role: body.role
	};
	if (body.projects?.length) mutation.projects = body.projects;
	const verdict = await hub.submitAndWait(me.user.id, serverMutationId('service-account', user.id), mutation, me.hash);
	if (!verdict.ok) {
		await accounts.deleteUser(user.id);
		throw refused(verdict);
	}
	json(res, 201, { account: { userId: user.id, username: user.username, role: body.role, description: body.description } });
}

/** POST /api/service-accounts/secrets: a new secret, answered once; the store keeps its hash only. */
export async function createSecret({ deps }: HttpApp, { res, me, body }: SignedInRequest<z.infer<typeof SecretCreate>>) {
	const state = await managed(deps, me, body.org, 'serviceAccount.addSecret');
	const expiresAt = deps.now() + (body.expiresInDays ?? secretMaxDays(state.org()!)) * DAY_MS;
	const { secretId, secret, hash } = newServiceSecret();
	const mutation: Mutation = { type: 'serviceAccount.addSecret', orgId: body.org, userId: body.userId, secretId, expiresAt };
	const verdict = await deps.hub.submitAndWait(me.user.id, serverMutationId('service-secret', secretId), mutation, me.hash);
	if (!verdict.ok) throw refused(verdict);
	// After the document lists it: a secret opens nothing until both are written (bearer.ts asks both).
	await deps.accounts.insertServiceSecret(secretId, body.userId, hash);
	json(res, 201, { secret, secretId, expiresAt });
}

/** DELETE /api/service-accounts: out of its teams and projects, then its account and secrets are deleted. */
export async function deleteServiceAccount({ deps }: HttpApp, { res, me, body }: SignedInRequest<z.infer<typeof ServiceAccountRef>>) {
	await managed(deps, me, body.org, 'serviceAccount.delete');
	const mutation: Mutation = { type: 'serviceAccount.delete', orgId: body.org, userId: body.userId };
	const verdict = await deps.hub.submitAndWait(me.user.id, serverMutationId('delete-service-account', randomUUID()), mutation, me.hash);
	if (!verdict.ok) throw refused(verdict);
	const stored = await deps.accounts.user(body.userId);
	// The mutation's check found it the organization's service account; the row is asked again so no person is ever deleted here.
	if (stored?.service && stored.managedBy === body.org) {
		await deps.accounts.deleteUser(body.userId);
		await deps.documents.forgetUser(body.userId);
	}
	json(res, 200, {});
}

/** GET /api/service-accounts?org=: each account with its role and secrets, and when each secret was last used (owners only). */
export async function listServiceAccounts(
	{ deps }: HttpApp,
	{ res, me, query }: SignedInRequest<undefined, z.infer<typeof ServiceAccountsQuery>>
) {
	const state = await managed(deps, me, query.org, 'serviceAccount.update', false);
	const accounts = [];
	for (const account of state.rows('serviceAccount').values()) {
		const member = state.member(account.userId);
		const used = await deps.accounts.serviceSecretsUsed(account.userId);
		accounts.push({
			...account,
			username: member?.username ?? null,
			role: member?.role ?? null,
			secrets: account.secrets.map((s) => ({ ...s, lastUsedAt: used[s.id] ?? null }))
		});
	}
	json(res, 200, { accounts });
}
