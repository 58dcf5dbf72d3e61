import { describe, expect, it } from 'vitest';
import { orgWith, serverForEachTest } from './fixtures.ts';
import { api, createAccount, createSecret, refusal } from './service-account-client.ts';

/** A budget of 20 requests that hardly refills: enough for the set-up, and a script that keeps asking runs out. */
const t = serverForEachTest({ limits: { framesPerSecond: 0.01, frameBurst: 20 } });

describe('rate limits of the HTTP API (rules §5)', () => {
	it('each account has its own budget: past it, 429 with Retry-After, and another account is not held back', async () => {
		const { alice } = await orgWith(t);
		const first = await createSecret(
			t,
			alice.cookie,
			await createAccount(t, alice.cookie, { username: 'busy-bot', role: 'ORG_READ_ONLY' })
		);
		const second = await createSecret(
			t,
			alice.cookie,
			await createAccount(t, alice.cookie, { username: 'calm-bot', role: 'ORG_READ_ONLY' })
		);
		let answered = 0;
		let res = await api(t, first.secret, 'GET', '/api/v1/orgs/acme/members');
		while (res.status === 200 && answered < 100) {
			answered++;
			res = await api(t, first.secret, 'GET', '/api/v1/orgs/acme/members');
		}
		expect(answered).toBeGreaterThanOrEqual(19);
		expect(answered).toBeLessThanOrEqual(21);
		expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
		await refusal(res, 429, 'RATE_LIMITED');
		await refusal(
			await api(t, first.secret, 'POST', '/api/v1/orgs/acme/mutations', {
				id: 'x',
				mutation: { type: 'org.rename', orgId: 'acme', name: 'X' }
			}),
			429,
			'RATE_LIMITED'
		);
		expect((await api(t, second.secret, 'GET', '/api/v1/orgs/acme/members')).status).toBe(200);
	});
});
