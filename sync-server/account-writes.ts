import { emailKey, type ProfileUpdate, type UserProfile } from '$lib/domain/index.ts';
import type { HttpDeps } from './http.ts';
import { HttpError, usernameTaken } from './http-io.ts';

/**
 * Writes to a user's account, shared by the user's own routes (profile-api.ts) and by
 * the primary admin of the organization managing it (managed-users-api.ts).
 */

/** Username (unique) and display name; member copies in organization documents follow live. Unchanged writes nothing. */
export function saveProfile({ store, hub }: HttpDeps, user: UserProfile, input: ProfileUpdate) {
	const profile = { username: input.username ?? user.username, displayName: input.displayName ?? user.displayName };
	if (profile.username === user.username && profile.displayName === user.displayName) return;
	try {
		store.updateProfile(user.id, profile);
	} catch (err) {
		if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw usernameTaken(profile.username);
		throw err;
	}
	hub.refreshProfile(user.id);
}

/** A new address is unverified until the link mailed to it is used; mailed first, so a failed send changes nothing. */
export async function saveEmail(
	{ store, hub }: HttpDeps,
	user: UserProfile,
	email: string,
	sendVerification: (user: UserProfile) => Promise<void>,
	unchanged: string
) {
	if (emailKey(email) === emailKey(user.email)) throw new HttpError(409, 'EMAIL_UNCHANGED', unchanged);
	await sendVerification({ ...user, email, emailVerified: false });
	store.setEmail(user.id, email);
	hub.refreshProfile(user.id);
}

/** Sets a new password hash and ends every session of the user but `keep`, closing their sockets. */
export function replacePassword({ store, hub }: HttpDeps, userId: string, hash: string, keep?: string) {
	const ended = store.transaction(() => {
		store.setPasswordHash(userId, hash);
		const others = store.sessionsOf(userId).filter((h) => h !== keep);
		for (const h of others) store.deleteSession(h);
		return others;
	});
	for (const h of ended) hub.endSession(h);
}
