import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { E2E } from './harness.ts';

/** The server's clock runs ahead of the real one by `offset`, so an organization's idle timeout can pass. */
let offset = 0;
const e2e = new E2E();
let alice: Page;
let orgId: string;

beforeAll(async () => {
	await e2e.start({ now: () => Date.now() + offset });
	alice = await e2e.signUp(await e2e.context(), 'alice');
	orgId = await e2e.createOrg(alice, 'Acme');
});
afterAll(() => e2e.stop());

it("says when an organization's session timed out, and a new sign-in reaches it again", async () => {
	const { hub, accounts } = e2e.server;
	const aliceId = (await accounts.userByUsername('alice'))!.id;
	const security = { type: 'org.setSecurity', orgId, requireTwoFactor: false, idleTimeoutMinutes: 15, absoluteTimeoutHours: null };
	expect(await hub.submitAndWait(aliceId, 'e2e-security', security)).toEqual({ ok: true });

	offset += 16 * 60_000;
	await alice.reload();
	const notice = alice.getByTestId('org-timed-out');
	await notice.getByText('Your session for Acme timed out: sign in again to reach it.').waitFor();
	await notice.getByRole('button', { name: 'Sign in again' }).click();
	await alice.waitForURL('**/signin');

	await e2e.signIn('alice', { page: alice });
	await alice.goto(`/orgs/${orgId}`);
	await alice.getByRole('heading', { name: 'Acme' }).waitFor();
	expect(await alice.getByTestId('org-timed-out').count()).toBe(0);
});
