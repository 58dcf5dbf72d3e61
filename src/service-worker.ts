/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
import { build, files, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `roster-shell-${version}`;
// The app shell: built assets, static files and the SPA page every route falls back to.
const SHELL = [...build, ...files, '/'];

// A new version installs and waits: the page offers it ("a new version is ready — reload") and only the
// user's click activates it, never mid-edit. The very first install has nothing to wait for and activates at once.
sw.addEventListener('install', (event) => {
	event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
});

// The page's Reload asks the waiting version to take over (src/lib/client/app-update.svelte.ts).
sw.addEventListener('message', (event) => {
	if (event.data === 'roster.skip-waiting') void sw.skipWaiting();
});

sw.addEventListener('activate', (event) => {
	event.waitUntil(
		caches
			.keys()
			.then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
			.then(() => sw.clients.claim())
	);
});

sw.addEventListener('fetch', (event) => {
	const request = event.request;
	const url = new URL(request.url);
	if (request.method !== 'GET' || url.origin !== sw.location.origin || url.pathname.startsWith('/api/')) return;
	event.respondWith(
		(async () => {
			const cache = await caches.open(CACHE);
			if (request.mode === 'navigate') {
				// Network first so a new deploy shows at once; the cached shell when offline.
				try {
					return await fetch(request);
				} catch {
					return (await cache.match('/')) ?? Response.error();
				}
			}
			return (await cache.match(request)) ?? fetch(request);
		})()
	);
});
