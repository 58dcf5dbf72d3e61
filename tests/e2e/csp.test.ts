import { afterAll, beforeAll, expect, it } from 'vitest';
import { E2E } from './harness.ts';

const e2e = new E2E();
beforeAll(() => e2e.start());
afterAll(() => e2e.stop());

it('runs the built app under its Content-Security-Policy with no violation: boot script, service worker, websocket, QR code', async () => {
	const context = await e2e.context({ serviceWorkers: 'allow' });
	const violations: string[] = [];
	context.on('console', (m) => {
		if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
	});
	context.on('weberror', (e) => violations.push(e.error().message));
	// Also what Chromium reports without a console line (a caught `new Function`, say).
	await context.addInitScript(() =>
		document.addEventListener('securitypolicyviolation', (e) => console.error(`Refused to load ${e.blockedURI}: ${e.violatedDirective}`))
	);
	const page = await e2e.signUp(context, 'alice');

	const shell = await page.request.get('/');
	expect(shell.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
	await page.reload();
	expect(await page.locator('meta[http-equiv="content-security-policy"]').getAttribute('content')).toMatch(
		/script-src 'self' 'sha256-[\w+/=]+'/
	);

	await e2e.createOrg(page, 'Acme');
	await expect.poll(() => page.getByTestId('sync-status').textContent()).toMatch(/Online$/);
	await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));

	await page.goto('/account');
	const panel = page.getByRole('region', { name: 'Two-factor authentication' });
	await panel.getByRole('button', { name: 'Set up two-factor' }).click();
	const qr = panel.getByRole('img', { name: 'QR code with your two-factor key' });
	await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);

	// Served by the service worker this time.
	await page.reload();
	await page.getByRole('region', { name: 'Two-factor authentication' }).waitFor();
	expect(violations).toEqual([]);
});
