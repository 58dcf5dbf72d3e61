import type { Member, Organization } from './schemas.ts';
import type { Change, OrgState } from './state.ts';

/**
 * Pending changes laid over a synced state, never written into it: the client shows
 * this, and checks each further pending mutation against it.
 */
export class OverlayState implements OrgState {
	private readonly base: OrgState;
	private orgOverride: Organization | undefined;
	/** userId → member as pending changes leave it (null: removed). */
	readonly touched = new Map<string, Member | null>();

	constructor(base: OrgState) {
		this.base = base;
	}

	apply(changes: readonly Change[]): void {
		for (const change of changes) {
			if (change.kind === 'org.put') {
				this.orgOverride = change.org;
				continue;
			}
			const userId = change.kind === 'member.put' ? change.member.userId : change.userId;
			const next = change.kind === 'member.put' ? change.member : null;
			this.touched.set(userId, next);
		}
	}

	org() {
		return this.orgOverride ?? this.base.org();
	}
	member(userId: string) {
		const t = this.touched.get(userId);
		return t === null ? undefined : (t ?? this.base.member(userId));
	}
	/** Recounted against the current base, which may have changed under the pending changes. */
	ownerCount() {
		let count = this.base.ownerCount();
		for (const [userId, m] of this.touched) count += isOwner(m) - isOwner(this.base.member(userId));
		return count;
	}
	user(userId: string) {
		return this.base.user(userId);
	}
	userByUsername(username: string) {
		return this.base.userByUsername(username);
	}
}

function isOwner(m: Member | null | undefined): number {
	return m?.role === 'ORG_OWNER' ? 1 : 0;
}
