import type { Member, Organization, Team, UserProfile } from './schemas.ts';

/**
 * What a check may read. Every lookup is by key or a kept index, so checking a
 * mutation costs the same in a 10-user and a 10,000-user organization.
 */
export interface OrgState {
	org(): Organization | undefined;
	member(userId: string): Member | undefined;
	ownerCount(): number;
	team(teamId: string): Team | undefined;
	teamByName(name: string): Team | undefined;
	isTeamMember(teamId: string, userId: string): boolean;
	/** Kept indexes: a user's teams and a team's members, read without a scan. */
	teamsOf(userId: string): string[];
	teamMemberIds(teamId: string): string[];
	/** The platform's user directory (the server's; a client knows only what it was sent). */
	userByUsername(username: string): UserProfile | undefined;
	user(userId: string): UserProfile | undefined;
}

/** An accepted mutation's effect, applied the same way to a Y.Doc (server) or an overlay (client). */
export type Change =
	| { kind: 'org.put'; org: Organization }
	| { kind: 'member.put'; member: Member }
	| { kind: 'member.delete'; userId: string }
	| { kind: 'team.put'; team: Team }
	| { kind: 'team.delete'; teamId: string }
	| { kind: 'teamMember.put'; teamId: string; userId: string }
	| { kind: 'teamMember.delete'; teamId: string; userId: string };

export interface Accepted {
	ok: true;
	changes: Change[];
}

export interface CheckContext {
	actorId: string;
	now: number;
}
