import type { Member, OrgRole, UserProfile } from './schemas.ts';

/** The public fields of a user record: whatever else a directory entry holds stays on the server. */
export function publicProfile(u: UserProfile): UserProfile {
	return { id: u.id, username: u.username, email: u.email, emailVerified: u.emailVerified, displayName: u.displayName, twoFactor: u.twoFactor ?? false };
}

/** Copies only public profile fields: whatever else a directory entry holds never reaches a document. */
export function memberOf(user: UserProfile, role: OrgRole, joinedAt: number): Member {
	const { id, username, email, emailVerified, displayName } = user;
	return { userId: id, username, email, emailVerified, displayName, twoFactor: user.twoFactor ?? false, role, joinedAt };
}
