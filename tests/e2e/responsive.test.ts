import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { E2E } from './harness.ts';
import { SIGNED_IN, SIGNED_OUT, signInAdmin, startBusyOrg, visit, type TourPage } from './busy-org.ts';

const e2e = new E2E();
beforeAll(() => startBusyOrg(e2e));
afterAll(() => e2e.stop());

/** What is wrong with the page at this width: it scrolls sideways, or a way to another page lies off-screen. */
function layoutFaults(page: Page, width: number): Promise<string[]> {
	return page.evaluate((width) => {
		const faults: string[] = [];
		const root = document.documentElement;
		const wider = Math.max(root.scrollWidth, document.body.scrollWidth) - root.clientWidth;
		if (wider > 0) faults.push(`the page is ${wider}px wider than the window`);
		for (const el of document.querySelectorAll('header a, header button, header select, nav a')) {
			const box = el.getBoundingClientRect();
			if (box.left < 0 || box.right > width) faults.push(`“${el.textContent?.trim() || el.getAttribute('aria-label')}” is off-screen`);
		}
		return faults;
	}, width);
}

it('every page fits a 360 and a 390 px phone, long names and all: no sideways scroll, every way to another page on screen', async () => {
	const context = await e2e.context({ viewport: { width: 390, height: 800 } });
	const page = await context.newPage();
	const faults: string[] = [];
	// Each page once, at both widths: the layout follows the window without a reload.
	const check = async (target: TourPage) => {
		await visit(page, target);
		for (const width of [390, 360]) {
			await page.setViewportSize({ width, height: 800 });
			for (const fault of await layoutFaults(page, width)) faults.push(`${target.name} at ${width} px: ${fault}`);
		}
		await page.setViewportSize({ width: 390, height: 800 });
	};
	for (const target of SIGNED_OUT) await check(target);
	await signInAdmin(e2e, page);
	for (const target of SIGNED_IN) await check(target);
	await context.close();
	expect(faults).toEqual([]);
});
