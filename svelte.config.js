import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
	preprocess: vitePreprocess(),
	kit: {
		// A single-page app: every path falls back to index.html, which the sync server serves.
		adapter: adapter({ fallback: 'index.html' }),
		serviceWorker: { register: true }
	}
};
