import { ORG_TOUCH_EVERY_MS, orgSessionVerdict, type OrgState, type Refusal } from '$lib/domain/index.ts';
import type { AccountStore } from './storage/accounts.ts';

/** What this process knows of one session and one organization, ahead of the store. */
interface Seen {
	at: number | undefined;
	written: number;
	expired: boolean;
}

/**
 * rules §2 session timeouts and required single sign-on, per (session, organization). The yes/no is the domain's
 * (session-policy.ts); this keeps the times it reads, in memory and in the store, and makes an
 * ended access stick until the user signs in again (a new session). What the store holds is
 * read ahead (`prepare`), so that a refusal can be asked for while publishing, synchronously.
 */
export class OrgSessions {
	/** Per session: when it began (read once; it never changes) and what is known of each organization. */
	private readonly seen = new Map<string, { startedAt: number; ssoProvider?: string; orgs: Map<string, Seen> }>();

	constructor(
		private readonly store: AccountStore,
		private readonly now: () => number,
		/** An organization in memory (one being reached is loaded first). */
		private readonly orgState: (orgId: string) => OrgState | undefined
	) {}

	/**
	 * Reads what the store holds of this session and organization, once. Kept only for a member
	 * of an existing organization, with a live session: no one else is timed.
	 */
	async prepare(sessionHash: string, userId: string, orgId: string): Promise<void> {
		if (this.seen.get(sessionHash)?.orgs.has(orgId) || !this.timed(userId, orgId)) return;
		let session = this.seen.get(sessionHash);
		if (!session) {
			const row = await this.store.session(sessionHash);
			if (!row) return;
			session = this.seen.get(sessionHash) ?? { startedAt: row.created_at, ssoProvider: row.sso_provider ?? undefined, orgs: new Map() };
			this.seen.set(sessionHash, session);
		}
		if (session.orgs.has(orgId)) return;
		const row = await this.store.sessionOrg(sessionHash, orgId);
		if (!session.orgs.has(orgId))
			session.orgs.set(orgId, { at: row?.lastSeenAt, written: row?.lastSeenAt ?? 0, expired: row?.expired ?? false });
	}

	/** Whether `prepare` has read this session's record for this organization (a refusal can then be answered at once). */
	prepared(sessionHash: string, orgId: string): boolean {
		return this.seen.get(sessionHash)?.orgs.has(orgId) ?? false;
	}

	/** Why this session may no longer reach this organization, if so (as far as `prepare` read); counts nothing as activity. */
	refusal(sessionHash: string, userId: string, orgId: string): Refusal | undefined {
		const state = this.orgState(orgId);
		const session = this.seen.get(sessionHash);
		const seen = session?.orgs.get(orgId);
		const now = this.now();
		const record = seen && {
			startedAt: session!.startedAt,
			lastActiveAt: seen.at,
			expired: seen.expired,
			ssoProvider: session!.ssoProvider
		};
		const { refusal, newlyExpired } = orgSessionVerdict(state?.org(), state?.member(userId), record, now);
		if (newlyExpired) {
			seen!.expired = true;
			void Promise.resolve(this.store.expireSessionOrg(sessionHash, orgId, now)).catch((err: unknown) =>
				console.error('session expiry not written', err)
			);
		}
		return refusal;
	}

	/** Checks, then counts an action of this session on this organization (a mutation, a sync frame, a request about it). */
	async enter(sessionHash: string, userId: string, orgId: string): Promise<Refusal | undefined> {
		await this.prepare(sessionHash, userId, orgId);
		const refusal = this.refusal(sessionHash, userId, orgId);
		const seen = this.seen.get(sessionHash)?.orgs.get(orgId);
		if (refusal || !seen || !this.timed(userId, orgId)) return refusal;
		const now = this.now();
		seen.at = now;
		if (now - seen.written >= ORG_TOUCH_EVERY_MS) {
			seen.written = now;
			await this.store.touchSessionOrg(sessionHash, orgId, now);
		}
		return undefined;
	}

	/** Forgets a session that ended (signed out, password changed, user deleted). */
	forget(sessionHash: string) {
		this.seen.delete(sessionHash);
	}

	/**
	 * Forgets every session the store no longer holds, so that memory does not grow with every session
	 * ever seen, and takes in what other servers wrote of the rest (activity there, an ended access),
	 * so that a session busy on another server is not timed out here.
	 */
	async refresh() {
		for (const [hash, session] of [...this.seen]) {
			if (!(await this.store.session(hash))) {
				this.seen.delete(hash);
				continue;
			}
			for (const [orgId, seen] of session.orgs) {
				const row = await this.store.sessionOrg(hash, orgId);
				if (!row) continue;
				seen.at = Math.max(seen.at ?? 0, row.lastSeenAt);
				seen.written = Math.max(seen.written, row.lastSeenAt);
				seen.expired ||= row.expired;
			}
		}
	}

	private timed(userId: string, orgId: string): boolean {
		const state = this.orgState(orgId);
		return !!state?.org() && !!state.member(userId);
	}
}
