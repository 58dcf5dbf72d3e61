import { chromium } from 'playwright-core';
import type { TestProject } from 'vitest/node';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];

declare module 'vitest' {
	export interface ProvidedContext {
		/** Where the one Chromium of an e2e run listens: each file connects instead of launching its own. */
		chromiumEndpoint: string;
	}
}

/** Global set-up of the e2e project: one browser for the run (each file still gets fresh contexts). */
export default async function setup(project: TestProject) {
	const server = await chromium.launchServer({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
	project.provide('chromiumEndpoint', server.wsEndpoint());
	return () => server.close();
}
