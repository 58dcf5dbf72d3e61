import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TestServer } from './test-client.ts';

// The lookup a webhook's host gets when it is set: held open here, as a slow resolver would hold it, then public.
const lookups = { calls: [] as string[], release: [] as (() => void)[] };
function slowLookup(url: string): Promise<string | undefined> {
	lookups.calls.push(new URL(url).hostname);
	return new Promise((resolve) => lookups.release.push(() => resolve(undefined)));
}

const ok = { t: 'verdict', ok: true };

let t: TestServer;
beforeEach(async () => {
	lookups.calls.length = 0;
	t = await new TestServer({ webhookAddress: slowLookup }).start();
});
afterEach(async () => {
	for (const release of lookups.release.splice(0)) release();
	await t.stop();
});

describe("a webhook's host is looked up outside its organization's lane", () => {
	it('a slow lookup holds up only the change that set the webhook, not the rest of the organization', async () => {
		const ann = await t.user('ann');
		const bob = await t.user('bob');
		const eve = await t.user('eve');
		expect(await ann.client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject(ok);
		expect(await ann.client.mutate({ type: 'member.add', orgId: 'acme', username: 'bob', role: 'ORG_MEMBER' })).toMatchObject(ok);
		const setHook = (client: typeof eve.client) =>
			client.mutate({ type: 'org.setNotifications', orgId: 'acme', email: null, webhook: 'https://slow.example/hook' });
		// A stranger and a plain member each set one: both lookups are under way at once, neither waiting for the other.
		const verdicts = Promise.all([setHook(eve.client), setHook(bob.client)]);
		await vi.waitFor(() => expect(lookups.calls).toEqual(['slow.example', 'slow.example']));
		// The organization's own changes are answered meanwhile.
		expect(await ann.client.mutate({ type: 'team.create', orgId: 'acme', teamId: 't1', name: 'Ops' })).toMatchObject(ok);
		for (const release of lookups.release.splice(0)) release();
		const [stranger, member] = await verdicts;
		expect(stranger).toMatchObject({ ok: false });
		expect(member).toMatchObject({ ok: false, code: 'FORBIDDEN' });
	});
});
