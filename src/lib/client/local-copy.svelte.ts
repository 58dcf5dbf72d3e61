/** What the notices and the account page say about this browser's copy of the user's data. */
class LocalCopy {
	/** An IndexedDB write failed (quota, or any other failure): changes are sent while online but not kept offline. */
	full = $state(false);
	/** The browser deleted the copy since the last visit: what was pending then, now lost (empty: nothing was). */
	lost = $state<string[] | null>(null);
	/** Whether the browser promised to keep the copy (`navigator.storage.persist()`); undefined while unknown. */
	persisted = $state<boolean | undefined>(undefined);

	/** What was said of one user's copy is not the next one's: forgotten whenever the signed-in user changes. */
	forget() {
		this.full = false;
		this.lost = null;
		this.persisted = undefined;
	}
}

export const localCopy = new LocalCopy();

export const STORAGE_FULL_MESSAGE = "This browser's storage is full: changes are sent while online but cannot be kept offline.";

/**
 * Runs one IndexedDB write; a failure is reported (the notice says so, the console keeps working online)
 * rather than thrown, so the caller carries on with what it keeps in memory. Undefined when it failed.
 */
export async function kept<T>(write: Promise<T>): Promise<T | undefined> {
	try {
		return await write;
	} catch (err) {
		if (!localCopy.full) console.warn('An IndexedDB write failed; this browser keeps no offline copy for now.', err);
		localCopy.full = true;
		return undefined;
	}
}

/** Asks the browser, once signed in, to keep the copy until sign-out rather than clear it when space runs low. */
export async function askPersistence() {
	const storage = navigator.storage;
	if (!storage?.persist) return;
	localCopy.persisted = (await storage.persisted()) || (await storage.persist().catch(() => false));
}
