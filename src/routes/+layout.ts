// A single-page app: rendered in the browser only, never prerendered.
export const ssr = false;
export const prerender = false;
