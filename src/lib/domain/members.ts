import type { Member, OrgRole, UserProfile } from './schemas.ts';

/** Copies only public profile fields: whatever else a directory entry holds never reaches a document. */
export function memberOf(user: UserProfile, role: OrgRole, joinedAt: number): Member {
	const { id, username, email, emailVerified, displayName } = user;
	return { userId: id, username, email, emailVerified, displayName, role, joinedAt };
}
