import { getContext, setContext } from 'svelte';
import type { UserProfile } from '../domain/index.ts';
import type { RosterSession } from './roster.svelte.ts';

const KEY = Symbol('roster');

/** What every page reaches through the app's context: the signed-in session, and the way to sign in or out. */
export interface AppContext {
	readonly session: RosterSession | null;
	setUser(user: UserProfile | null): Promise<void>;
}

export function provideApp(app: AppContext) {
	setContext(KEY, app);
}

export function useApp(): AppContext {
	return getContext<AppContext>(KEY);
}
