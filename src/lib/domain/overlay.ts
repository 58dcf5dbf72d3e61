import { teamMemberKey } from './org-doc.ts';
import { teamNameKey, type Member, type Organization, type Team } from './schemas.ts';
import type { Change, OrgState } from './state.ts';

/**
 * Pending changes laid over a synced state, never written into it: the client shows
 * this, and checks each further pending mutation against it. Reads cost O(pending).
 */
export class OverlayState implements OrgState {
	private readonly base: OrgState;
	private orgOverride: Organization | undefined;
	/** userId → member as pending changes leave it (null: removed). */
	readonly touched = new Map<string, Member | null>();
	/** teamId → team as pending changes leave it (null: deleted). */
	readonly touchedTeams = new Map<string, Team | null>();
	/** "teamId/userId" → whether pending changes leave the membership in place. */
	private readonly touchedTeamMembers = new Map<string, { teamId: string; userId: string; in: boolean }>();

	constructor(base: OrgState) {
		this.base = base;
	}

	apply(changes: readonly Change[]): void {
		for (const c of changes) {
			switch (c.kind) {
				case 'org.put':
					this.orgOverride = c.org;
					break;
				case 'member.put':
					this.touched.set(c.member.userId, c.member);
					break;
				case 'member.delete':
					this.touched.set(c.userId, null);
					break;
				case 'team.put':
					this.touchedTeams.set(c.team.id, c.team);
					break;
				case 'team.delete':
					this.touchedTeams.set(c.teamId, null);
					break;
				case 'teamMember.put':
				case 'teamMember.delete':
					this.touchedTeamMembers.set(teamMemberKey(c.teamId, c.userId), {
						teamId: c.teamId,
						userId: c.userId,
						in: c.kind === 'teamMember.put'
					});
					break;
			}
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
	team(teamId: string) {
		const t = this.touchedTeams.get(teamId);
		return t === null ? undefined : (t ?? this.base.team(teamId));
	}
	teamByName(name: string) {
		const key = teamNameKey(name);
		for (const t of this.touchedTeams.values()) if (t && teamNameKey(t.name) === key) return t;
		const base = this.base.teamByName(name);
		return base && !this.touchedTeams.has(base.id) ? base : undefined;
	}
	isTeamMember(teamId: string, userId: string) {
		if (!this.team(teamId)) return false;
		return this.touchedTeamMembers.get(teamMemberKey(teamId, userId))?.in ?? this.base.isTeamMember(teamId, userId);
	}
	teamsOf(userId: string) {
		const ids = new Set(this.base.teamsOf(userId));
		for (const tm of this.touchedTeamMembers.values()) {
			if (tm.userId !== userId) continue;
			if (tm.in) ids.add(tm.teamId);
			else ids.delete(tm.teamId);
		}
		return [...ids].filter((id) => this.team(id));
	}
	teamMemberIds(teamId: string) {
		if (!this.team(teamId)) return [];
		const ids = new Set(this.base.teamMemberIds(teamId));
		for (const tm of this.touchedTeamMembers.values()) {
			if (tm.teamId !== teamId) continue;
			if (tm.in) ids.add(tm.userId);
			else ids.delete(tm.userId);
		}
		return [...ids];
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
