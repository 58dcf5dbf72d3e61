import { describe, expect, it } from 'vitest';
import {
	OrgRole,
	applyChanges,
	checkManagedUser,
	checkMutation,
	lacksRequiredTwoFactor,
	mayAttempt,
	securityGate,
	type MutationType,
	type RefusalCode
} from '../../src/lib/domain/index.ts';
import { NOW, assertInvariants, expectAccepted, expectRefused, id, orgWith, projectId, withOrgId, type Intent } from './factories.ts';
import { INTENT, USERNAME, setup } from './permission-fixture.ts';

type Expected = 'ok' | RefusalCode;
const Y = 'ok';
const F = 'FORBIDDEN';
const N = 'NOT_A_MEMBER';
const S = 'SERVICE_ACCOUNT_FORBIDDEN';
const DAY = 86_400_000;

const SERVICE_TYPES = [
	'serviceAccount.add',
	'serviceAccount.update',
	'serviceAccount.addSecret',
	'serviceAccount.revokeSecret',
	'serviceAccount.delete',
	'serviceAccount.setPolicy'
] as const satisfies readonly MutationType[];

const ACTORS = ['primary admin', ...OrgRole.options, 'non-member', 'service account (owner)', 'service account (read only)'] as const;
type Actor = (typeof ACTORS)[number];

// Columns follow ACTORS: primary admin, OWNER, PROJECT_CREATOR, BILLING_ADMIN, BILLING_VIEWER, READ_ONLY, MEMBER, non-member,
// then the service account bot (its own, as an Organization Owner, then as Read Only).
const TABLE: Record<(typeof SERVICE_TYPES)[number], readonly Expected[]> = {
	'serviceAccount.add': [Y, Y, F, F, F, F, F, N, S, F],
	'serviceAccount.update': [Y, Y, F, F, F, F, F, N, Y, F],
	'serviceAccount.addSecret': [Y, Y, F, F, F, F, F, N, S, F],
	'serviceAccount.revokeSecret': [Y, Y, F, F, F, F, F, N, Y, F],
	'serviceAccount.delete': [Y, Y, F, F, F, F, F, N, Y, F],
	'serviceAccount.setPolicy': [Y, Y, F, F, F, F, F, N, S, F]
};

/** The permission fixture with a second member service account, bot, in the role the column names. */
function fixtureFor(type: MutationType, actor: Actor) {
	const fx = setup(type);
	const role = actor === 'service account (owner)' ? 'ORG_OWNER' : 'ORG_READ_ONLY';
	const bot = { ...fx.directory.user(id('robot'))!, id: id('bot'), username: 'bot', email: 'bot@example.com' };
	fx.directory.put(bot);
	const account = { userId: bot.id, description: '', createdAt: NOW, createdBy: id('admin'), secrets: [] };
	applyChanges(
		fx.state,
		[
			{ kind: 'member.put', member: { ...fx.state.member(id('robot'))!, userId: bot.id, username: 'bot', email: bot.email, role } },
			{ kind: 'serviceAccount.put', account }
		],
		'test'
	);
	return fx;
}

const username = (actor: Actor) => (actor.startsWith('service account') ? 'bot' : USERNAME[actor as keyof typeof USERNAME]);

describe('service account mutations × actors (rules §5)', () => {
	const cells = SERVICE_TYPES.flatMap((type) => ACTORS.map((actor, i) => ({ type, actor, expected: TABLE[type][i]! })));

	it.each(cells)('$type by $actor → $expected', ({ type, actor, expected }) => {
		const fx = fixtureFor(type, actor);
		const verdict = fx.check(username(actor), INTENT[type]);
		if (expected !== 'ok') return expectRefused(verdict, expected);
		expectAccepted(verdict);
		fx.run(username(actor), INTENT[type]);
		assertInvariants(fx.state);
	});

	it('a new service account joins with its role, its metadata and its project roles, as one batch', () => {
		const fx = setup('serviceAccount.add');
		expectAccepted(fx.run('admin', INTENT['serviceAccount.add']));
		expect(fx.state.member(id('newbot'))).toMatchObject({ role: 'ORG_MEMBER', service: true, managedBy: 'org1' });
		expect(fx.state.row('serviceAccount', id('newbot'))).toMatchObject({ description: 'Deploys', createdBy: id('admin'), secrets: [] });
		expect(fx.state.project(projectId('Apollo'))!.userRoles(id('newbot'))).toEqual(['PROJECT_CLUSTER_MANAGER']);
	});

	it('refuses to make a service account of a person, of an unknown user or of a member', () => {
		const fx = setup('serviceAccount.add');
		const add = (userId: string): Intent => ({ ...INTENT['serviceAccount.add'], userId });
		expectRefused(fx.check('admin', add(id('zed'))), 'SERVICE_ACCOUNT_NOT_FOUND');
		expectRefused(fx.check('admin', add(id('nobody'))), 'SERVICE_ACCOUNT_NOT_FOUND');
		expectRefused(fx.check('admin', add(id('robot'))), 'ALREADY_MEMBER');
		expectRefused(
			fx.check('admin', { ...INTENT['serviceAccount.add'], projects: [{ projectId: 'p-gone', roles: ['PROJECT_OWNER'] }] }),
			'PROJECT_NOT_FOUND'
		);
	});
});

describe('what a service account may not hand out (rules §5)', () => {
	// An owner can mint service accounts and secrets: one made by a leaked secret would outlive its revocation.
	it.each([
		['member.setRole', { ...INTENT['member.setRole'], role: 'ORG_OWNER' }],
		['member.invite', { ...INTENT['member.invite'], role: 'ORG_OWNER' }]
	] as [string, Intent][])('Organization Owner through %s, which an owner may do', (type, intent) => {
		const fx = fixtureFor(type as MutationType, 'service account (owner)');
		expectRefused(fx.check('bot', intent), 'SERVICE_ACCOUNT_FORBIDDEN');
		expectAccepted(fx.check('owner', intent));
		expectAccepted(fx.check('bot', { ...intent, role: 'ORG_MEMBER' } as Intent));
	});
});

describe('secrets (rules §5)', () => {
	const secret = (expiresAt: number, secretId = 's-new'): Intent => ({
		type: 'serviceAccount.addSecret',
		userId: id('robot'),
		secretId,
		expiresAt
	});

	it('expire in the future and within the organization cap', () => {
		const fx = setup('serviceAccount.addSecret');
		expectRefused(fx.check('admin', secret(NOW)), 'SECRET_EXPIRY');
		expectRefused(fx.check('admin', secret(NOW + 365 * DAY + 1)), 'SECRET_EXPIRY');
		expectAccepted(fx.check('admin', secret(NOW + 365 * DAY)));
		expectAccepted(fx.run('admin', { type: 'serviceAccount.setPolicy', secretMaxDays: 30 }));
		const refused = fx.check('admin', secret(NOW + 31 * DAY));
		expectRefused(refused, 'SECRET_EXPIRY');
		expect(!refused.ok && refused.message).toMatch(/at most 30 days/);
		expectAccepted(fx.check('admin', secret(NOW + 30 * DAY)));
	});

	it('a lowered cap leaves the secrets already made as they are', () => {
		const fx = setup('serviceAccount.addSecret');
		expectAccepted(fx.run('admin', secret(NOW + 300 * DAY, 's-long')));
		expectAccepted(fx.run('admin', { type: 'serviceAccount.setPolicy', secretMaxDays: 1 }));
		expect(fx.state.row('serviceAccount', id('robot'))!.secrets.find((s) => s.id === 's-long')!.expiresAt).toBe(NOW + 300 * DAY);
	});

	it('at most 5 live ones; expired ones neither count nor stay', () => {
		const fx = setup('serviceAccount.addSecret');
		for (let i = 0; i < 4; i++) expectAccepted(fx.run('admin', secret(NOW + DAY, `s-${i}`)));
		expectRefused(fx.check('admin', secret(NOW + DAY, 's-6')), 'TOO_MANY_SECRETS');
		const later = { actorId: id('admin'), now: NOW + 2 * DAY };
		const verdict = checkMutation(fx.state, later, withOrgId(secret(NOW + 3 * DAY, 's-6')));
		expectAccepted(verdict);
		applyChanges(fx.state, verdict.changes, 'test');
		expect(fx.state.row('serviceAccount', id('robot'))!.secrets.map((s) => s.id)).toEqual(['s-robot', 's-6']);
	});

	it('a revoked secret leaves the document; revoking it again says it is gone', () => {
		const fx = setup('serviceAccount.revokeSecret');
		expectAccepted(fx.run('admin', INTENT['serviceAccount.revokeSecret']));
		expect(fx.state.row('serviceAccount', id('robot'))!.secrets).toEqual([]);
		expectRefused(fx.check('admin', INTENT['serviceAccount.revokeSecret']), 'SECRET_NOT_FOUND');
	});
});

describe('what a service account never is (rules §5)', () => {
	it('the primary admin, whoever hands the role on', () => {
		const fx = setup('org.transferPrimaryAdmin');
		expectRefused(fx.check('admin', { type: 'org.transferPrimaryAdmin', userId: id('robot') }), 'SERVICE_ACCOUNT_PRIMARY_ADMIN');
	});

	it.each([
		['member.remove', 'admin', { type: 'member.remove', userId: id('robot') }, 'SERVICE_ACCOUNT_REMOVAL'],
		['member.leave', 'robot', { type: 'member.leave' }, 'SERVICE_ACCOUNT_REMOVAL'],
		// Nor is it a managed user, whose password and profile its primary admin edits.
		['member.deleteManaged', 'admin', { type: 'member.deleteManaged', userId: id('robot') }, 'NOT_MANAGED']
	] as const)('out of the organization by %s: only by being deleted, secrets and all', (_t, actor, intent, code) => {
		const fx = setup('member.remove');
		expectRefused(fx.check(actor, intent as Intent), code);
		expect(checkManagedUser(fx.state, id('admin'), id('robot'))).toMatchObject({ code: 'NOT_MANAGED' });
	});

	it('in another organization: guardManaged refuses it anywhere but its own', () => {
		const fx = setup('member.add');
		fx.directory.put({ ...fx.directory.user(id('newbot'))!, managedBy: 'other-org' });
		expectRefused(fx.check('admin', { type: 'member.add', username: 'newbot', role: 'ORG_MEMBER' }), 'MANAGED_ELSEWHERE');
	});

	it('held back by required two-factor or a step-up: its secret is its credential', () => {
		const fx = orgWith({
			primaryAdmin: 'ann',
			members: [
				{ username: 'ann', role: 'ORG_OWNER' },
				{ username: 'bot', role: 'ORG_OWNER' }
			],
			twoFactor: ['ann'],
			service: ['bot']
		});
		const org = { ...fx.state.org()!, security: { requireTwoFactor: true, idleTimeoutMinutes: null, absoluteTimeoutHours: null } };
		applyChanges(fx.state, [{ kind: 'org.put', org }], 'test');
		const bot = fx.state.member(id('bot'))!;
		const person = { ...bot, service: undefined };
		expect(lacksRequiredTwoFactor(org, bot)).toBe(false);
		expect(securityGate(org, bot, { actorId: bot.userId, now: NOW }, 'member.remove')).toBeUndefined();
		expect(securityGate(org, person, { actorId: bot.userId, now: NOW }, 'member.remove')).toMatchObject({ code: 'TWO_FACTOR_REQUIRED' });
		expect(securityGate(org, { ...person, twoFactor: true }, { actorId: bot.userId, now: NOW }, 'member.remove')).toMatchObject({
			code: 'STEP_UP_REQUIRED'
		});
		expect(mayAttempt(fx.state, bot.userId, 'team.create')).toBe(true);
		expectAccepted(fx.check('bot', { type: 'team.create', teamId: 't-new', name: 'Robots' }));
	});
});
