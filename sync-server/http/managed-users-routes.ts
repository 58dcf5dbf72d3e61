import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import {
	ManagedPasswordReset,
	ManagedUserCreate,
	ManagedUserRef,
	ManagedUserUpdate,
	NOT_A_MEMBER,
	checkManagedUser,
	emailKey,
	publicProfile,
	refusalToAttempt,
	type Mutation,
	type Refusal,
	type UserProfile
} from '$lib/domain/index.ts';
import { CLOSE, parseDocId } from '$lib/protocol/messages.ts';
import { enterOrg } from './org-access.ts';
import { hashPassword } from '../auth.ts';
import { refuseWeakPassword } from '../common-passwords.ts';
import { reload, replacePassword, saveEmail, saveProfile, sendVerification } from './account-writes.ts';
import type { HttpApp, HttpDeps } from './deps.ts';
import { json, spendBudget, usernameTaken } from './io.ts';
import { requireGate } from './org-access.ts';
import { refused } from './status.ts';
import { HttpError, type SignedIn, type SignedInRequest } from './types.ts';
import { serverMutationId } from '../server-ids.ts';

/**
 * rules §1–2, mLab "Add a new account user": the primary admin creates users its
 * organization manages, changes their profile and password, and deletes them from
 * Roster. Who may is the domain's answer (checkManagedUser); membership changes go
 * through the hub as mutations, so every rule on that path applies.
 */

/** POST /api/managed-users: a new account, a member of the organization at once, managed by it. */
export async function createManaged({ deps, mails }: HttpApp, { res, me, body }: SignedInRequest<z.infer<typeof ManagedUserCreate>>) {
	spendBudget(deps.hub, me.user.id);
	const { accounts, hub } = deps;
	// Asked before anything is written; the mutation below is checked again by the same rules.
	const state = await hub.orgState(body.org);
	const refusal = state ? refusalToAttempt(state, me.user.id, 'member.addManaged') : NOT_A_MEMBER;
	if (refusal) throw refused(refusal);
	// rules §4 as on mutations: required two-factor, and a step-up (creating a user is sensitive).
	await enterOrg(hub, me, body.org);
	await requireGate(deps, me, state!, 'member.addManaged');
	if (await accounts.userByUsername(body.username)) throw usernameTaken(body.username);
	refuseWeakPassword(body.password);
	await mails.count(me.user.id, body.email, deps.now());
	const user = {
		id: randomUUID(),
		username: body.username,
		email: body.email,
		emailVerified: false,
		displayName: body.displayName,
		managedBy: body.org,
		passwordHash: await hashPassword(body.password, deps.scrypt)
	};
	if (!(await accounts.insertUser(user, deps.now()))) throw usernameTaken(body.username);
	const mutation: Mutation = { type: 'member.addManaged', orgId: body.org, userId: user.id, role: body.role };
	const verdict = await hub.submitAndWait(me.user.id, serverMutationId('managed-user', user.id), mutation, me.hash);
	if (!verdict.ok) {
		await accounts.deleteUser(user.id);
		throw refused(verdict);
	}
	// mLab: the new user should expect a verification email; a failed send leaves a link to ask for again.
	await sendVerification(deps, user).catch((err: unknown) => console.error('verification mail to a managed user failed', err));
	json(res, 201, { user: publicProfile(user) });
}

/** PATCH /api/managed-users: username, display name, email (unverified until its link is used). */
export async function updateManaged({ deps, mails }: HttpApp, { res, me, body }: SignedInRequest<z.infer<typeof ManagedUserUpdate>>) {
	spendBudget(deps.hub, me.user.id);
	const user = await target(deps, me, body.userId);
	const newEmail = body.email !== undefined && emailKey(body.email) !== emailKey(user.email) ? body.email : undefined;
	// A taken username is refused before the address changes, and the address (whose mail can fail) before the username: all or nothing.
	const holder = body.username === undefined ? undefined : await deps.accounts.userByUsername(body.username);
	if (holder && holder.id !== user.id) throw usernameTaken(body.username!);
	if (newEmail) {
		await saveEmail(deps, user, newEmail, 'That is already their email address.', () => mails.count(me.user.id, newEmail, deps.now()));
	}
	await saveProfile(deps, await reload(deps, user.id), body);
	json(res, 200, { user: await reload(deps, user.id) });
}

/** POST /api/managed-users/password: a new password; every session of the user ends and its sockets close. */
export async function resetManagedPassword({ deps }: HttpApp, { res, me, body }: SignedInRequest<z.infer<typeof ManagedPasswordReset>>) {
	spendBudget(deps.hub, me.user.id);
	const user = await target(deps, me, body.userId);
	refuseWeakPassword(body.password);
	await replacePassword(deps, user.id, await hashPassword(body.password, deps.scrypt));
	json(res, 200, { user });
}

/**
 * DELETE /api/managed-users (invariant 9): out of every organization it belongs to,
 * its sessions ended, its account deleted — or, if any organization's rules refuse
 * letting it go, nothing changes and the refusal says which and why.
 */
export async function deleteManaged({ deps }: HttpApp, { res, me, body }: SignedInRequest<z.infer<typeof ManagedUserRef>>) {
	const { userId } = body;
	spendBudget(deps.hub, me.user.id);
	const user = await target(deps, me, userId);
	const { hub } = deps;
	const steps: { actor: string; mutation: Mutation }[] = [
		{ actor: me.user.id, mutation: { type: 'member.deleteManaged', orgId: user.managedBy!, userId } },
		// Elsewhere the user leaves, as it could itself; a closed organization is read-only and keeps its record.
		...(await otherOrgs(deps, user)).map((orgId) => ({ actor: userId, mutation: { type: 'member.leave', orgId } as Mutation }))
	];
	// The primary admin's step is checked with its session (a step-up); the user's own leaving needs none.
	const session = (actor: string) => (actor === me.user.id ? me.hash : undefined);
	// All are asked before any is sent. Between the checks and the sends another change may land (each
	// send is checked again, so nothing wrong is written), and a step refused then leaves the earlier ones.
	for (const { actor, mutation } of steps) {
		const verdict = await hub.check(actor, mutation, session(actor));
		if (!verdict.ok) throw refused(verdict, explain(user, mutation, verdict));
	}
	// Elsewhere the user did not leave: Roster did, and the activity there says so (not who deleted it, which is this organization's).
	const by = (actor: string) =>
		actor === me.user.id ? undefined : 'Roster did this when the organization that manages the account deleted it.';
	const verdicts = await Promise.all(
		steps.map(({ actor, mutation }) =>
			hub.submitAndWait(actor, serverMutationId('delete-managed', randomUUID()), mutation, session(actor), by(actor))
		)
	);
	const refusal = verdicts.find((v): v is Refusal => !v.ok);
	if (refusal) throw refused(refusal);
	const sessions = await deps.accounts.sessionsOf(userId);
	await deps.accounts.deleteUser(userId);
	await deps.documents.forgetUser(userId);
	for (const h of sessions) hub.endSession(h, CLOSE.accountDeleted);
	json(res, 200, {});
}

/** The managed user the request names, if the signed-in user may manage it; else the domain's refusal. */
async function target(deps: HttpDeps, me: SignedIn, userId: string): Promise<UserProfile> {
	const stored = await deps.accounts.user(userId);
	const state = stored?.managedBy ? await deps.hub.orgState(stored.managedBy) : undefined;
	if (!stored || !state) throw new HttpError(404, 'NOT_MANAGED', 'That user is not one your organization manages.');
	const member = checkManagedUser(state, me.user.id, userId);
	if (!('userId' in member)) throw refused(member);
	// Changing or deleting a user is as sensitive as deleting it.
	await enterOrg(deps.hub, me, stored.managedBy!);
	await requireGate(deps, me, state, 'member.deleteManaged');
	return publicProfile(stored);
}

async function otherOrgs(deps: HttpDeps, user: UserProfile): Promise<string[]> {
	const orgs: string[] = [];
	for (const docId of await deps.documents.docsOf(user.id)) {
		const orgId = parseDocId(docId)?.orgId;
		const status = orgId === undefined ? undefined : (await deps.hub.orgState(orgId))?.org()?.status;
		if (orgId !== user.managedBy && status && status !== 'closed') orgs.push(orgId!);
	}
	return orgs;
}

/** A refusal from another organization names it: the admin cannot see that organization. */
function explain(user: UserProfile, mutation: Mutation, r: Refusal): string {
	if (mutation.orgId === user.managedBy) return r.message;
	// Another organization's name and projects are not this admin's to read (invariant 10): only that there is one.
	return `${user.username} cannot be deleted yet: it holds a role in another organization that cannot do without it (${r.code}). Someone there must change that first.`;
}
