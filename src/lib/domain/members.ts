import type { Member, OrgRole, UserProfile } from './schemas.ts';

/** managedBy and service only when set: a document holds no undefined fields. */
const managed = (u: UserProfile) => ({
	...(u.managedBy ? { managedBy: u.managedBy } : {}),
	...(u.service ? { service: true as const } : {})
});

/** The public fields of a user record: whatever else a directory entry holds stays on the server. */
export function publicProfile(u: UserProfile): UserProfile {
	const { id, username, email, emailVerified, displayName } = u;
	return { id, username, email, emailVerified, displayName, twoFactor: u.twoFactor ?? false, ...managed(u) };
}

/** Copies only public profile fields: whatever else a directory entry holds never reaches a document. */
export function memberOf(user: UserProfile, role: OrgRole, joinedAt: number): Member {
	const { id, username, email, emailVerified, displayName } = user;
	return { userId: id, username, email, emailVerified, displayName, twoFactor: user.twoFactor ?? false, ...managed(user), role, joinedAt };
}
