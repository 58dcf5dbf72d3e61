import type { UserProfile } from '../domain/index.ts';
import { api } from './api.ts';
import { RosterDb } from './db.ts';
import { forgetCopy } from './copy-marker.ts';
import { forgetDepartures } from './departures.svelte.ts';
import { announceSignOut } from './tab-channel.ts';

const USER_KEY = 'roster.user';

export function rememberUser(user: UserProfile | null) {
	if (user) localStorage.setItem(USER_KEY, JSON.stringify(user));
	else localStorage.removeItem(USER_KEY);
}

export function rememberedUser(): UserProfile | null {
	try {
		return JSON.parse(localStorage.getItem(USER_KEY) ?? 'null') as UserProfile | null;
	} catch {
		return null;
	}
}

/** Who is signed in: the server's answer when it can be reached, the remembered user when offline. */
export async function resolveUser(): Promise<UserProfile | null> {
	const me = await api.me();
	if (me.ok) {
		rememberUser(me.user);
		return me.user;
	}
	if (me.status === 0) return rememberedUser();
	rememberUser(null);
	return null;
}

/** Signs out in every tab and deletes this browser's copy of the user's data. */
export async function signOut(session: { user: UserProfile; stop(): void } | null) {
	const user = session?.user ?? rememberedUser();
	// The other tabs first: they stop (closing the database, so that deleting it is not blocked) rather than take over the connection.
	if (user) announceSignOut(user.id);
	// Stopped before the server is told, so the server closing this session's socket does not read as a session that timed out.
	session?.stop();
	await api.signOut();
	rememberUser(null);
	if (!user) return;
	forgetDepartures(user.id);
	forgetCopy(user.id);
	await new RosterDb(user.id).delete();
}
