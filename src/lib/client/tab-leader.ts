/**
 * Leader election among one user's tabs with the Web Locks API: the tab holding the lock
 * `roster-leader-<userId>` holds the connection for all. The lock is held for the tab's life
 * (or until stop); when that tab closes, the browser grants it to the next waiting tab.
 */
export class TabLeader {
	private readonly abort = new AbortController();
	private release: (() => void) | undefined;
	private stopped = false;

	/** `lead` is called once, when this tab becomes the leader. */
	constructor(
		private readonly userId: string,
		private readonly lead: () => void
	) {}

	start() {
		// Without the API (an old browser, a test DOM) each tab is its own leader, as before.
		if (!('locks' in navigator)) return this.lead();
		navigator.locks
			.request(`roster-leader-${this.userId}`, { signal: this.abort.signal }, () => {
				if (this.stopped) return;
				this.lead();
				return new Promise<void>((resolve) => (this.release = resolve));
			})
			.catch((err: unknown) => {
				if (!(err instanceof DOMException && err.name === 'AbortError')) console.error('Leader election failed', err);
			});
	}

	stop() {
		this.stopped = true;
		this.abort.abort();
		this.release?.();
	}
}
