/** How often an open page asks whether a new version was deployed (the browser also checks on navigation). */
const CHECK_EVERY_MS = 30 * 60_000;

/**
 * A new version of the app, installed by its service worker and waiting: offered to the user, who
 * reloads when it suits them (never forced mid-edit). Queued changes stay in IndexedDB across the reload.
 */
export class AppUpdate {
	ready = $state(false);
	private registration: ServiceWorkerRegistration | undefined;

	/** Watches the service worker's registration; returns how to stop. */
	watch(): () => void {
		const sw = navigator.serviceWorker;
		if (!sw) return () => {};
		let stopped = false;
		const timer = setInterval(() => this.check(), CHECK_EVERY_MS);
		// Ready once a version is active: on a first visit that is after this page started.
		void sw.ready.then((registration) => {
			if (stopped) return;
			this.registration = registration;
			// Only an update waits: with no controller yet (the first install) there is nothing to offer.
			const offer = () => (this.ready = !!registration.waiting && !!sw.controller);
			offer();
			registration.addEventListener('updatefound', () => {
				registration.installing?.addEventListener('statechange', offer);
			});
		});
		return () => {
			stopped = true;
			clearInterval(timer);
		};
	}

	/** Asks the server for a newer service worker (a byte comparison of one small file). */
	check() {
		void this.registration?.update().catch(() => undefined);
	}

	/** The user's Reload: the waiting version takes over, then the page reloads under it. */
	apply() {
		const waiting = this.registration?.waiting;
		if (!waiting) return location.reload();
		navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
		waiting.postMessage('roster.skip-waiting');
	}
}
