import { describe, expect, it } from 'vitest';
import {
	MUTATION_TYPES,
	SENSITIVE_MUTATIONS,
	STEP_UP_TTL_MS,
	applyChanges,
	checkMutation,
	mayAttempt,
	orgSessionExpired,
	orgSessionLive,
	parseMutation,
	type OrgSecurity
} from '../../src/lib/domain/index.ts';
import { expectAccepted, expectRefused, id, membersOf, NOW, orgWith, projectId, withOrgId, type Intent } from './factories.ts';

const APOLLO = projectId('Apollo');

/** ann: primary admin with two-factor; bob: owner with two-factor; cat: owner without; dan: member without. */
function org(security?: OrgSecurity) {
	const fx = orgWith({
		primaryAdmin: 'ann',
		twoFactor: ['ann', 'bob'],
		members: membersOf({ ann: 'ORG_OWNER', bob: 'ORG_OWNER', cat: 'ORG_OWNER', dan: 'ORG_MEMBER' }),
		others: ['zed'],
		projects: [
			{
				name: 'Apollo',
				users: [
					['ann', ['PROJECT_OWNER']],
					['dan', ['PROJECT_OWNER']]
				]
			}
		]
	});
	if (security) {
		const verdict = checkMutation(
			fx.state,
			{ actorId: id('ann'), now: NOW, steppedUpAt: NOW },
			withOrgId({ type: 'org.setSecurity', ...security })
		);
		if (!verdict.ok) throw new Error(verdict.message);
		applyChanges(fx.state, verdict.changes, 'test');
	}
	return fx;
}

const check = (fx: ReturnType<typeof org>, actor: string, intent: Intent, steppedUpAt?: number) =>
	checkMutation(fx.state, { actorId: id(actor), now: NOW, steppedUpAt }, withOrgId(intent));

const setRole: Intent = { type: 'member.setRole', userId: id('dan'), role: 'ORG_READ_ONLY' };
const REQUIRED: OrgSecurity = { requireTwoFactor: true, idleTimeoutMinutes: 30, absoluteTimeoutHours: 12 };

describe('step-up before sensitive changes (rules §4)', () => {
	it('a user with two-factor needs a code entered within the last 10 minutes', () => {
		const fx = org();
		expectRefused(check(fx, 'bob', setRole), 'STEP_UP_REQUIRED');
		expectRefused(check(fx, 'bob', setRole, NOW - STEP_UP_TTL_MS - 1), 'STEP_UP_REQUIRED');
		expectAccepted(check(fx, 'bob', setRole, NOW - STEP_UP_TTL_MS));
		expectAccepted(check(fx, 'bob', setRole, NOW - 1000));
	});

	it('a user without two-factor is not asked; nor is anyone for a change that is not sensitive', () => {
		const fx = org();
		expectAccepted(check(fx, 'cat', setRole));
		expectAccepted(check(fx, 'bob', { type: 'team.create', teamId: 't-new', name: 'New' }));
		expectAccepted(check(fx, 'bob', { type: 'deployment.create', projectId: APOLLO, deploymentId: 'd-1', name: 'db', plan: 'free' }));
	});

	it.each<Intent>([
		{ type: 'member.add', username: 'zed', role: 'ORG_MEMBER' },
		{ type: 'member.remove', userId: id('dan') },
		{ type: 'org.transferPrimaryAdmin', userId: id('bob') },
		{ type: 'project.setUserRoles', projectId: APOLLO, userId: id('dan'), roles: ['PROJECT_READ_ONLY'] },
		{ type: 'billing.setInfo', billingEmail: null, company: 'Acme', address: '', vatId: '' },
		{ type: 'org.close' }
	])('$type is sensitive', (intent) => {
		const fx = org();
		const actor = intent.type === 'org.transferPrimaryAdmin' || intent.type === 'org.close' ? 'ann' : 'bob';
		expectRefused(check(fx, actor, intent), 'STEP_UP_REQUIRED');
		// With a fresh code the step-up no longer stands in the way (other rules may still say no).
		const confirmed = check(fx, actor, intent, NOW);
		expect(confirmed.ok ? 'ok' : confirmed.code).not.toBe('STEP_UP_REQUIRED');
	});

	it('names only mutations Roster knows', () => {
		for (const type of SENSITIVE_MUTATIONS) expect(MUTATION_TYPES).toContain(type);
	});

	it('a non-member learns nothing from the step-up rule', () => {
		expectRefused(check(org(), 'zed', setRole), 'NOT_A_MEMBER');
	});
});

describe('required two-factor (rules §4)', () => {
	it('only the primary admin sets it, and only once it has two-factor itself', () => {
		const fx = org();
		expectRefused(check(fx, 'bob', { type: 'org.setSecurity', ...REQUIRED }, NOW), 'FORBIDDEN');
		expectAccepted(check(fx, 'ann', { type: 'org.setSecurity', ...REQUIRED }, NOW));
		expectRefused(check(fx, 'ann', { type: 'org.setSecurity', ...REQUIRED }), 'STEP_UP_REQUIRED');

		const without = orgWith({ primaryAdmin: 'ann', members: [{ username: 'ann', role: 'ORG_OWNER' }] });
		expectRefused(
			checkMutation(without.state, { actorId: id('ann'), now: NOW }, withOrgId({ type: 'org.setSecurity', ...REQUIRED })),
			'TWO_FACTOR_REQUIRED'
		);
		expectAccepted(
			checkMutation(
				without.state,
				{ actorId: id('ann'), now: NOW },
				withOrgId({ type: 'org.setSecurity', ...REQUIRED, requireTwoFactor: false })
			)
		);
	});

	it('a member without two-factor may then only view (and leave)', () => {
		const fx = org(REQUIRED);
		expect(fx.state.org()?.security).toEqual(REQUIRED);
		expectRefused(check(fx, 'cat', setRole), 'TWO_FACTOR_REQUIRED');
		expectRefused(
			check(fx, 'dan', { type: 'deployment.create', projectId: APOLLO, deploymentId: 'd-1', name: 'db', plan: 'free' }),
			'TWO_FACTOR_REQUIRED'
		);
		expectRefused(check(fx, 'dan', { type: 'org.setBillingContact', email: null }), 'TWO_FACTOR_REQUIRED');
		expectAccepted(check(fx, 'dan', { type: 'member.leave' }));
		// The UI hides what would be refused.
		expect(mayAttempt(fx.state, id('cat'), 'member.setRole')).toBe(false);
		expect(mayAttempt(fx.state, id('dan'), 'member.leave')).toBe(true);
		expect(mayAttempt(fx.state, id('bob'), 'member.setRole')).toBe(true);
	});

	it('once the member turns two-factor on, its changes go through (with a step-up where sensitive)', () => {
		const fx = org(REQUIRED);
		fx.directory.put({ ...fx.directory.user(id('cat'))!, twoFactor: true });
		fx.state.doc.transact(() => {
			const member = fx.state.member(id('cat'))!;
			fx.state.doc.getMap('members').set(id('cat'), { ...member, twoFactor: true });
		});
		expectRefused(check(fx, 'cat', setRole), 'STEP_UP_REQUIRED');
		expectAccepted(check(fx, 'cat', setRole, NOW));
		expectAccepted(check(fx, 'cat', { type: 'team.create', teamId: 't-x', name: 'X' }));
	});

	it('refuses timeouts outside their bounds before any rule runs', () => {
		const base = { type: 'org.setSecurity', orgId: 'org1', requireTwoFactor: false, idleTimeoutMinutes: null, absoluteTimeoutHours: null };
		expect(parseMutation(base).ok).toBe(true);
		expect(parseMutation({ ...base, idleTimeoutMinutes: 1 })).toMatchObject({ code: 'INVALID_MUTATION' });
		expect(parseMutation({ ...base, absoluteTimeoutHours: 10_000 })).toMatchObject({ code: 'INVALID_MUTATION' });
		expect(parseMutation({ ...base, requireTwoFactor: 'yes' })).toMatchObject({ code: 'INVALID_MUTATION' });
	});
});

describe('session timeouts, per organization (rules §2)', () => {
	const MIN = 60_000;
	const limits = (idleTimeoutMinutes: number | null, absoluteTimeoutHours: number | null): OrgSecurity => ({
		requireTwoFactor: false,
		idleTimeoutMinutes,
		absoluteTimeoutHours
	});
	const session = { startedAt: NOW, joinedAt: NOW - 60 * MIN };

	it.each([
		['no limits, a month on', limits(null, null), { now: NOW + 29 * 24 * 60 * MIN }, true],
		['idle within the limit since its last action here', limits(15, null), { now: NOW + 100 * MIN, lastActiveAt: NOW + 86 * MIN }, true],
		['idle past the limit since its last action here', limits(15, null), { now: NOW + 100 * MIN, lastActiveAt: NOW + 84 * MIN }, false],
		['never acted here: counted from sign-in', limits(15, null), { now: NOW + 16 * MIN }, false],
		['never acted here: counted from joining, when later', limits(15, null), { now: NOW + 16 * MIN, joinedAt: NOW + 5 * MIN }, true],
		['active, within the absolute limit', limits(15, 1), { now: NOW + 60 * MIN, lastActiveAt: NOW + 59 * MIN }, true],
		['active, past the absolute limit', limits(15, 1), { now: NOW + 61 * MIN, lastActiveAt: NOW + 60 * MIN }, false]
	] as const)('%s', (_name, security, times, live) => {
		expect(orgSessionLive(security, { ...session, ...times })).toBe(live);
	});

	it('says which organization to sign in again for', () => {
		const fx = org();
		expect(orgSessionExpired(fx.state.org()!)).toEqual({
			ok: false,
			code: 'SESSION_EXPIRED',
			message: 'Your session for Acme timed out: sign in again to reach it.'
		});
	});
});
