import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

// The app-update test builds the previous version of the app into a directory of its own (tests/e2e/app-update.test.ts).
const elsewhere = process.env.ROSTER_BUILD_DIR;

/** @type {import('@sveltejs/kit').Config} */
export default {
	preprocess: vitePreprocess(),
	kit: {
		// A single-page app: every path falls back to index.html, which the sync server serves.
		adapter: adapter({ fallback: 'index.html', ...(elsewhere && { pages: elsewhere, assets: elsewhere }) }),
		// Its intermediate files stay inside the project (they import its packages), out of the way of the main build's.
		...(elsewhere && { outDir: 'node_modules/.svelte-kit-previous' }),
		serviceWorker: { register: true },
		// Written into index.html as a meta tag with the hashes of its inline boot script; the server adds
		// frame-ancestors (which a meta tag cannot carry) in a header. Styles stay inline-able: Svelte sets
		// style attributes, and a style cannot run code.
		csp: {
			mode: 'hash',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				// The two-factor QR code is an SVG data URL.
				'img-src': ['self', 'data:'],
				'connect-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self']
			}
		}
	}
};
