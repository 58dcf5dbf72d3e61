import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
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
import { parseDocId } from '$lib/protocol/messages.ts';
import { replacePassword, saveEmail, saveProfile } from './account-writes.ts';
import { hashPassword } from './auth.ts';
import { refuseWeakPassword } from './common-passwords.ts';
import type { HttpDeps } from './http.ts';
import { HttpError, json, parse, readJson, spendBudget, usernameTaken } from './http-io.ts';
import type { MailLimits } from './mail-limits.ts';
import { enterOrg } from './org-sessions.ts';
import type { SignedIn } from './profile-api.ts';
import { requireGate } from './two-factor-api.ts';

const STATUS: Partial<Record<Refusal['code'], number>> = {
	INVALID_MUTATION: 400,
	NOT_A_MEMBER: 403,
	FORBIDDEN: 403,
	TWO_FACTOR_REQUIRED: 403,
	STEP_UP_REQUIRED: 403,
	SESSION_EXPIRED: 403,
	MANAGED_ELSEWHERE: 403,
	NOT_MANAGED: 404,
	USER_NOT_FOUND: 404
};

/** A domain refusal as an HTTP answer: same code, same sentence. */
function refused(r: Refusal, message = r.message): HttpError {
	return new HttpError(STATUS[r.code] ?? 409, r.code, message);
}

/**
 * SPEC §1–2, mLab "Add a new account user": the primary admin creates users its
 * organization manages, changes their profile and password, and deletes them from
 * Roster. Who may is the domain's answer (checkManagedUser); membership changes go
 * through the hub as mutations, so every rule on that path applies.
 */
export class ManagedUsersApi {
	constructor(
		private readonly deps: HttpDeps,
		private readonly mails: MailLimits,
		private readonly sendVerification: (user: UserProfile) => Promise<void>
	) {}

	/** POST /api/managed-users: a new account, a member of the organization at once, managed by it. */
	async create(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		const input = parse(ManagedUserCreate, await readJson(req));
		spendBudget(this.deps.hub, me.user.id);
		const { store, hub } = this.deps;
		// Asked before anything is written; the mutation below is checked again by the same rules.
		const state = await hub.orgState(input.org);
		const refusal = state ? refusalToAttempt(state, me.user.id, 'member.addManaged') : NOT_A_MEMBER;
		if (refusal) throw refused(refusal);
		// SPEC §4 as on mutations: required two-factor, and a step-up (creating a user is sensitive).
		await enterOrg(this.deps.hub, me, input.org);
		requireGate(this.deps, me, state!, 'member.addManaged');
		if (store.userByUsername(input.username)) throw usernameTaken(input.username);
		refuseWeakPassword(input.password);
		this.mails.count(me.user.id, input.email, this.deps.now());
		const user = {
			id: randomUUID(),
			username: input.username,
			email: input.email,
			emailVerified: false,
			displayName: input.displayName,
			managedBy: input.org,
			passwordHash: await hashPassword(input.password, this.deps.scrypt)
		};
		try {
			store.insertUser(user, this.deps.now());
		} catch {
			throw usernameTaken(input.username);
		}
		const mutation: Mutation = { type: 'member.addManaged', orgId: input.org, userId: user.id, role: input.role };
		const verdict = await hub.submitAndWait(me.user.id, `managed-user:${user.id}`, mutation, me.hash);
		if (!verdict.ok) {
			store.deleteUser(user.id);
			await this.deps.documents.forgetUser(user.id);
			throw refused(verdict);
		}
		// mLab: the new user should expect a verification email; a failed send leaves a link to ask for again.
		await this.sendVerification(user).catch((err: unknown) => console.error('verification mail to a managed user failed', err));
		json(res, 201, { user: publicProfile(user) });
	}

	/** PATCH /api/managed-users: username, display name, email (unverified until its link is used). */
	async update(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		const input = parse(ManagedUserUpdate, await readJson(req));
		spendBudget(this.deps.hub, me.user.id);
		const user = await this.target(me, input.userId);
		const newEmail = input.email !== undefined && emailKey(input.email) !== emailKey(user.email) ? input.email : undefined;
		// A taken username is refused before the address changes, and the address (whose mail can fail) before the username: all or nothing.
		const holder = input.username === undefined ? undefined : this.deps.store.userByUsername(input.username);
		if (holder && holder.id !== user.id) throw usernameTaken(input.username!);
		if (newEmail) {
			await saveEmail(this.deps, user, newEmail, this.sendVerification, 'That is already their email address.', () =>
				this.mails.count(me.user.id, newEmail, this.deps.now())
			);
		}
		await saveProfile(this.deps, this.reload(user.id), input);
		json(res, 200, { user: this.reload(user.id) });
	}

	/** POST /api/managed-users/password: a new password; every session of the user ends and its sockets close. */
	async resetPassword(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		const input = parse(ManagedPasswordReset, await readJson(req));
		spendBudget(this.deps.hub, me.user.id);
		const user = await this.target(me, input.userId);
		refuseWeakPassword(input.password);
		replacePassword(this.deps, user.id, await hashPassword(input.password, this.deps.scrypt));
		json(res, 200, { user });
	}

	/**
	 * DELETE /api/managed-users (invariant 9): out of every organization it belongs to,
	 * its sessions ended, its account deleted — or, if any organization's rules refuse
	 * letting it go, nothing changes and the refusal says which and why.
	 */
	async remove(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		const { userId } = parse(ManagedUserRef, await readJson(req));
		spendBudget(this.deps.hub, me.user.id);
		const user = await this.target(me, userId);
		const { store, hub } = this.deps;
		const steps: { actor: string; mutation: Mutation }[] = [
			{ actor: me.user.id, mutation: { type: 'member.deleteManaged', orgId: user.managedBy!, userId } },
			// Elsewhere the user leaves, as it could itself; a closed organization is read-only and keeps its record.
			...(await this.otherOrgs(user)).map((orgId) => ({ actor: userId, mutation: { type: 'member.leave', orgId } as Mutation }))
		];
		// The primary admin's step is checked with its session (a step-up); the user's own leaving needs none.
		const session = (actor: string) => (actor === me.user.id ? me.hash : undefined);
		// All are asked before any is sent, and all are sent in this same turn, so no state changes in between.
		for (const { actor, mutation } of steps) {
			const verdict = await hub.check(actor, mutation, session(actor));
			if (!verdict.ok) throw refused(verdict, this.explain(user, mutation, verdict));
		}
		const verdicts = await Promise.all(
			steps.map(({ actor, mutation }) => hub.submitAndWait(actor, `delete-managed:${randomUUID()}`, mutation, session(actor)))
		);
		const refusal = verdicts.find((v): v is Refusal => !v.ok);
		if (refusal) throw refused(refusal);
		const sessions = store.sessionsOf(userId);
		store.deleteUser(userId);
		await this.deps.documents.forgetUser(userId);
		for (const h of sessions) hub.endSession(h);
		json(res, 200, {});
	}

	/** The managed user the request names, if the signed-in user may manage it; else the domain's refusal. */
	private async target(me: SignedIn, userId: string): Promise<UserProfile> {
		const stored = this.deps.store.user(userId);
		const state = stored?.managedBy ? await this.deps.hub.orgState(stored.managedBy) : undefined;
		if (!stored || !state) throw new HttpError(404, 'NOT_MANAGED', 'That user is not one your organization manages.');
		const member = checkManagedUser(state, me.user.id, userId);
		if (!('userId' in member)) throw refused(member);
		// Changing or deleting a user is as sensitive as deleting it.
		await enterOrg(this.deps.hub, me, stored.managedBy!);
		requireGate(this.deps, me, state, 'member.deleteManaged');
		return publicProfile(stored);
	}

	private async otherOrgs(user: UserProfile): Promise<string[]> {
		const orgs: string[] = [];
		for (const docId of await this.deps.documents.docsOf(user.id)) {
			const orgId = parseDocId(docId)?.orgId;
			const status = orgId === undefined ? undefined : (await this.deps.hub.orgState(orgId))?.org()?.status;
			if (orgId !== user.managedBy && status && status !== 'closed') orgs.push(orgId!);
		}
		return orgs;
	}

	/** A refusal from another organization names it: the admin cannot see that organization. */
	private explain(user: UserProfile, mutation: Mutation, r: Refusal): string {
		if (mutation.orgId === user.managedBy) return r.message;
		// Another organization's name and projects are not this admin's to read (invariant 10): only that there is one.
		return `${user.username} cannot be deleted yet: it holds a role in another organization that cannot do without it (${r.code}). Someone there must change that first.`;
	}

	private reload(userId: string): UserProfile {
		return publicProfile(this.deps.store.user(userId)!);
	}
}
