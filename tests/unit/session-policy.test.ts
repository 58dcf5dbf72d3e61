import { describe, expect, it } from 'vitest';
import { memberOf, orgSessionVerdict, SESSION_MAX_AGE_S, sessionAlive, type Organization } from '../../src/lib/domain/index.ts';

const HOUR = 3600_000;
const org = (security?: Organization['security']): Organization => ({
	id: 'acme',
	name: 'Acme',
	status: 'active',
	primaryAdminId: 'u1',
	createdAt: 0,
	...(security ? { security } : {})
});
const ann = memberOf({ id: 'u2', username: 'ann', email: 'ann@example.com', emailVerified: true, displayName: '' }, 'ORG_MEMBER', 0);

describe('session policy (rules §2)', () => {
	it('a sign-in lasts 30 days to the millisecond', () => {
		expect(sessionAlive(0, SESSION_MAX_AGE_S * 1000)).toBe(true);
		expect(sessionAlive(0, SESSION_MAX_AGE_S * 1000 + 1)).toBe(false);
	});

	it('times only members, and only where the organization sets a timeout', () => {
		const record = { startedAt: 0, lastActiveAt: 0, expired: false };
		expect(orgSessionVerdict(org(), ann, record, 1000 * HOUR)).toEqual({ newlyExpired: false });
		const strict = org({ requireTwoFactor: false, idleTimeoutMinutes: 15, absoluteTimeoutHours: null });
		expect(orgSessionVerdict(strict, undefined, record, 1000 * HOUR)).toEqual({ newlyExpired: false });
		expect(orgSessionVerdict(strict, ann, record, 14 * 60_000)).toEqual({ newlyExpired: false });
		const idle = orgSessionVerdict(strict, ann, record, 16 * 60_000);
		expect(idle).toMatchObject({ refusal: { code: 'SESSION_EXPIRED' }, newlyExpired: true });
	});

	it('an ended access stays ended for that session', () => {
		const lax = org({ requireTwoFactor: false, idleTimeoutMinutes: null, absoluteTimeoutHours: null });
		const verdict = orgSessionVerdict(lax, ann, { startedAt: 0, lastActiveAt: 0, expired: true }, 1);
		expect(verdict).toMatchObject({ refusal: { code: 'SESSION_EXPIRED' }, newlyExpired: false });
	});

	it('the absolute timeout counts from the sign-in', () => {
		const absolute = org({ requireTwoFactor: false, idleTimeoutMinutes: null, absoluteTimeoutHours: 1 });
		const record = { startedAt: 0, lastActiveAt: HOUR + 1, expired: false };
		expect(orgSessionVerdict(absolute, ann, record, HOUR + 1).refusal?.code).toBe('SESSION_EXPIRED');
		expect(orgSessionVerdict(absolute, ann, { ...record, startedAt: 2 }, HOUR + 1).refusal).toBeUndefined();
	});
});
