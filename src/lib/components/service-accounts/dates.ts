/** A day as people read it (e.g. "3 Dec 2026"), for creation and expiry dates. */
export const day = (at: number) => new Date(at).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

/** A moment to the minute, for when a secret was last used. */
export const moment = (at: number) =>
	new Date(at).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
