import axe from 'axe-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { E2E } from './harness.ts';
import { SIGNED_IN, SIGNED_OUT, signInAdmin, startBusyOrg, visit, type TourPage } from './busy-org.ts';

const e2e = new E2E();
beforeAll(() => startBusyOrg(e2e));
afterAll(() => e2e.stop());

/** axe-core's serious and critical findings on the page as it is now, one line per rule and element. */
async function violations(page: Page): Promise<string[]> {
	// The console's CSP admits only its own scripts: these contexts bypass it to bring axe in.
	await page.evaluate(axe.source);
	const results = await page.evaluate(() => (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] }));
	return results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.flatMap((v) =>
			v.nodes.map((n) => `${v.id} (${v.impact}) at ${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ')}`)
		);
}

it('no page has a serious or critical accessibility violation, in light mode or dark', async () => {
	const context = await e2e.context({ bypassCSP: true });
	const page = await context.newPage();
	const found: string[] = [];
	// Each page once, looked at in both schemes: the colours follow prefers-color-scheme without a reload.
	const check = async (target: TourPage) => {
		await visit(page, target);
		for (const colorScheme of ['light', 'dark'] as const) {
			await page.emulateMedia({ colorScheme });
			for (const v of await violations(page)) found.push(`${target.name} (${colorScheme}): ${v}`);
		}
		await page.emulateMedia({ colorScheme: 'light' });
	};
	for (const target of SIGNED_OUT) await check(target);
	await signInAdmin(e2e, page);
	for (const target of SIGNED_IN) await check(target);
	await context.close();
	expect(found).toEqual([]);
});

it('each page has a title of its own, and its first Tab stop is a visible “Skip to content” that moves focus to the content', async () => {
	const context = await e2e.context();
	const page = await context.newPage();
	const faults: string[] = [];
	const check = async (target: TourPage) => {
		await visit(page, target);
		if ((await page.title()) !== target.title) faults.push(`${target.name}: titled “${await page.title()}”, not “${target.title}”`);
		await page.keyboard.press('Tab');
		const skip = page.getByRole('link', { name: 'Skip to content' });
		if (!(await skip.evaluate((el) => el === document.activeElement)))
			faults.push(`${target.name}: the first Tab stop is not the skip link`);
		const box = await skip.boundingBox();
		if (!box || box.y < 0) faults.push(`${target.name}: the focused skip link is not in view`);
		await page.keyboard.press('Enter');
		if ((await page.evaluate(() => document.activeElement?.id)) !== 'main')
			faults.push(`${target.name}: the skip link does not move focus to the content`);
	};
	for (const target of SIGNED_OUT) await check(target);
	await signInAdmin(e2e, page);
	for (const target of SIGNED_IN) await check(target);
	await context.close();
	expect(faults).toEqual([]);
});

it('every control reached with Tab shows where the focus is', async () => {
	const page = await (await e2e.context()).newPage();
	await signInAdmin(e2e, page);
	const unmarked: string[] = [];
	for (const target of SIGNED_IN.filter((t) => ['members', 'project', 'settings'].includes(t.name))) {
		await visit(page, target);
		for (let stop = 0; stop < 25; stop++) {
			await page.keyboard.press('Tab');
			const seen = await page.evaluate(() => {
				const el = document.activeElement as HTMLElement | null;
				if (!el || el === document.body) return null;
				const style = getComputedStyle(el);
				const marked = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
				return {
					marked,
					name: `${el.tagName.toLowerCase()} “${(el.textContent?.trim() || el.getAttribute('aria-label') || '').slice(0, 40)}”`
				};
			});
			if (seen && !seen.marked) unmarked.push(`${target.name}: ${seen.name}`);
		}
	}
	await page.context().close();
	expect(unmarked).toEqual([]);
});
