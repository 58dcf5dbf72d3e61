import {
	managedElsewhere,
	managedElsewhereActor,
	orgSessionExpired,
	orgSessionLive,
	securityOf,
	type OrgState,
	type Refusal
} from '$lib/domain/index.ts';
import type { SyncHub } from './hub.ts';
import { HttpError } from './http/types.ts';
import type { SignedIn } from './http/types.ts';
import type { Store } from './store.ts';

/** A session's last action on an organization is written at most this often; idle timeouts count in minutes. */
const TOUCH_EVERY_MS = 60_000;

/** What this process knows of one session and one organization, ahead of the store. */
interface Seen {
	at: number | undefined;
	written: number;
	expired: boolean;
}

/**
 * SPEC §2 session timeouts, per (session, organization): an organization's idle and absolute
 * timeouts end that session's access to it alone. The yes/no is the domain's (orgSessionLive);
 * this keeps the times it reads, in memory and in the store, and makes an ended access stick
 * until the user signs in again (a new session).
 */
export class OrgSessions {
	/** Per session: when it began (read once; it never changes) and what is known of each organization. */
	private readonly seen = new Map<string, { startedAt: number; orgs: Map<string, Seen> }>();

	constructor(
		private readonly store: Store,
		private readonly now: () => number,
		private readonly orgState: (orgId: string) => OrgState | undefined
	) {}

	/**
	 * Why this session may no longer reach this organization, if so; counts nothing as activity.
	 * Only a member's access is timed: to anyone else the organization's rules already answer.
	 */
	refusal(sessionHash: string, userId: string, orgId: string): Refusal | undefined {
		const state = this.orgState(orgId);
		const org = state?.org();
		const member = state?.member(userId);
		const session = org && member && this.session(sessionHash);
		if (!session) return undefined;
		const seen = this.entry(session, sessionHash, orgId);
		if (!seen.expired) {
			const times = { now: this.now(), startedAt: session.startedAt, joinedAt: member!.joinedAt, lastActiveAt: seen.at };
			if (orgSessionLive(securityOf(org!), times)) return undefined;
			seen.expired = true;
			this.store.expireSessionOrg(sessionHash, orgId, times.now);
		}
		return orgSessionExpired(org!);
	}

	/** Checks, then counts an action of this session on this organization (a mutation, a sync frame, a request about it). */
	enter(sessionHash: string, userId: string, orgId: string): Refusal | undefined {
		const refusal = this.refusal(sessionHash, userId, orgId);
		// Kept only where refusal() looked: a live session and a member.
		const seen = this.seen.get(sessionHash)?.orgs.get(orgId);
		if (refusal || !seen || !this.orgState(orgId)?.member(userId)) return refusal;
		const now = this.now();
		seen.at = now;
		if (now - seen.written >= TOUCH_EVERY_MS) {
			this.store.touchSessionOrg(sessionHash, orgId, now);
			seen.written = now;
		}
		return undefined;
	}

	/** Forgets a session that ended (signed out, password changed, user deleted). */
	forget(sessionHash: string) {
		this.seen.delete(sessionHash);
	}

	/** Forgets every session the store no longer holds, so that memory does not grow with every session ever seen. */
	prune() {
		for (const hash of this.seen.keys()) if (!this.store.session(hash)) this.seen.delete(hash);
	}

	private session(sessionHash: string) {
		let session = this.seen.get(sessionHash);
		if (session) return session;
		const row = this.store.session(sessionHash);
		if (row) this.seen.set(sessionHash, (session = { startedAt: row.created_at, orgs: new Map() }));
		return session;
	}

	private entry(session: { orgs: Map<string, Seen> }, sessionHash: string, orgId: string): Seen {
		let seen = session.orgs.get(orgId);
		if (!seen) {
			const row = this.store.sessionOrg(sessionHash, orgId);
			seen = { at: row?.lastSeenAt, written: row?.lastSeenAt ?? 0, expired: row?.expired ?? false };
			session.orgs.set(orgId, seen);
		}
		return seen;
	}
}

/**
 * An HTTP request about an organization is held to its session timeouts like a mutation, and
 * counts as activity there; a member managed by another organization reaches nothing of it.
 */
export function enterOrg(hub: SyncHub, me: SignedIn, orgId: string) {
	const state = hub.orgState(orgId);
	const org = state?.org();
	const refusal =
		org && managedElsewhere(org.id, state!.member(me.user.id)) ? managedElsewhereActor(org) : hub.enterOrg(me.hash, me.user.id, orgId);
	if (refusal) throw new HttpError(403, refusal.code, refusal.message);
}
