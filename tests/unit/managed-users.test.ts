import { describe, expect, it } from 'vitest';
import { applyChanges, checkManagedUser, mayAttempt, parseMutation, recordable, webhookShown } from '../../src/lib/domain/index.ts';
import {
	assertInvariants,
	emptyOrg,
	expectAccepted,
	expectRefused,
	id,
	inviteId,
	membersOf,
	orgWith,
	projectId,
	teamId,
	type Intent
} from './factories.ts';

/** ann is the primary admin; bob an owner; mia and max are managed by Acme (max not yet a member); sam signed up himself. */
function acme() {
	return orgWith({
		primaryAdmin: 'ann',
		members: membersOf({ ann: 'ORG_OWNER', bob: 'ORG_OWNER', mia: 'ORG_MEMBER', sam: 'ORG_MEMBER' }),
		others: ['max'],
		managed: ['mia', 'max'],
		teams: [{ name: 'Ops', members: ['mia'] }],
		projects: [
			{
				name: 'Apollo',
				users: [
					['mia', ['PROJECT_OWNER']],
					['ann', ['PROJECT_OWNER']]
				]
			},
			{
				name: 'Solo',
				users: [
					['mia', ['PROJECT_OWNER']],
					['sam', ['PROJECT_READ_ONLY']]
				]
			}
		]
	});
}

describe('who may manage a user (rules §2)', () => {
	it('the primary admin of the managing organization may, for a managed member', () => {
		const fx = acme();
		expect(checkManagedUser(fx.state, id('ann'), id('mia'))).toMatchObject({ userId: id('mia'), managedBy: 'org1' });
	});

	it.each([
		['an owner who is not the primary admin', 'bob', 'mia', 'FORBIDDEN'],
		['the managed user itself', 'mia', 'mia', 'FORBIDDEN'],
		['a non-member', 'max', 'mia', 'NOT_A_MEMBER'],
		['a user who signed up himself', 'ann', 'sam', 'NOT_MANAGED'],
		['a managed user who is not a member', 'ann', 'max', 'NOT_MANAGED'],
		['an unknown user', 'ann', 'nobody', 'NOT_MANAGED']
	] as const)('refuses %s', (_name, actor, target, code) => {
		const fx = acme();
		const answer = checkManagedUser(fx.state, id(actor), id(target));
		expect(answer).toMatchObject({ ok: false, code });
		expect('message' in answer && answer.message).toMatch(/^\S.{10,}\.$/);
	});
});

describe('member.addManaged', () => {
	it('adds a managed user with its role and marks it managed in the document', () => {
		const fx = acme();
		expectAccepted(fx.run('ann', { type: 'member.addManaged', userId: id('max'), role: 'ORG_BILLING_ADMIN' }));
		expect(fx.state.member(id('max'))).toMatchObject({ role: 'ORG_BILLING_ADMIN', managedBy: 'org1' });
		assertInvariants(fx.state);
	});

	it('refuses a user the organization does not manage, an unknown one, and a member', () => {
		const fx = acme();
		fx.directory.put({ ...fx.directory.user(id('max'))!, managedBy: 'other-org' });
		expectRefused(fx.check('ann', { type: 'member.addManaged', userId: id('max'), role: 'ORG_MEMBER' }), 'NOT_MANAGED');
		expectRefused(fx.check('ann', { type: 'member.addManaged', userId: id('nobody'), role: 'ORG_MEMBER' }), 'USER_NOT_FOUND');
		expectRefused(fx.check('ann', { type: 'member.addManaged', userId: id('mia'), role: 'ORG_MEMBER' }), 'ALREADY_MEMBER');
	});
});

describe('member.deleteManaged (invariants 3, 5 and 9)', () => {
	it('takes the user out of the organization, its teams and projects', () => {
		const fx = acme();
		// Solo would lose its only owner: give it another one first.
		expectAccepted(
			fx.run('ann', { type: 'project.setUserRoles', projectId: projectId('Solo'), userId: id('sam'), roles: ['PROJECT_OWNER'] })
		);
		expectAccepted(fx.run('ann', { type: 'member.deleteManaged', userId: id('mia') }));
		expect(fx.state.member(id('mia'))).toBeUndefined();
		expect(fx.state.isTeamMember(teamId('Ops'), id('mia'))).toBe(false);
		expect(fx.state.projectsOfUser(id('mia'))).toEqual([]);
		assertInvariants(fx.state);
	});

	it('is refused when it would leave a project without an owner, and changes nothing', () => {
		const fx = acme();
		expectRefused(fx.run('ann', { type: 'member.deleteManaged', userId: id('mia') }), 'LAST_PROJECT_OWNER');
		expect(fx.state.member(id('mia'))).toBeDefined();
	});

	it('is refused for a user the organization does not manage', () => {
		expectRefused(acme().check('ann', { type: 'member.deleteManaged', userId: id('sam') }), 'NOT_MANAGED');
	});
});

describe('org.setNotifications', () => {
	it('sets and clears the channels on the organization; the document keeps only where the webhook goes', () => {
		const fx = acme();
		expectAccepted(
			fx.run('ann', { type: 'org.setNotifications', email: 'alerts@example.org', webhook: 'https://hooks.example.org/x/T0KEN?sig=1' })
		);
		expect(fx.state.org()?.notifications).toEqual({ email: 'alerts@example.org', webhook: 'https://hooks.example.org/…' });
		// Left out, the webhook stays as it is.
		expectAccepted(fx.run('ann', { type: 'org.setNotifications', email: 'ops@example.org' }));
		expect(fx.state.org()?.notifications).toEqual({ email: 'ops@example.org', webhook: 'https://hooks.example.org/…' });
		expectAccepted(fx.run('ann', { type: 'org.setNotifications', email: null, webhook: null }));
		expect(fx.state.org()?.notifications).toEqual({ email: null, webhook: null });
	});

	it('records a webhook in the activity feed only as shown', () => {
		const m = { type: 'org.setNotifications', orgId: 'org1', email: null, webhook: 'https://hooks.example.org:8443/x/T0KEN' } as const;
		expect(recordable(m)).toEqual({ ...m, webhook: 'https://hooks.example.org:8443/…' });
		expect(webhookShown('https://hooks.example.org/')).toBe('https://hooks.example.org');
		const other = { type: 'org.rename', orgId: 'org1', name: 'X' } as const;
		expect(recordable(other)).toBe(other);
	});

	it.each([
		[{ email: 'not an address', webhook: null }, /valid email/],
		[{ email: null, webhook: 'ftp://example.org/x' }, /http:\/\/ or https:\/\//],
		[{ email: null, webhook: 'javascript:alert(1)' }, /http:\/\/ or https:\/\//],
		[{ email: null, webhook: 'https://user:secret@example.org/x' }, /user name or password/],
		[{ email: null, webhook: `https://example.org/${'x'.repeat(2000)}` }, /at most 2000/],
		[{ webhook: null }, /email/]
	])('refuses bad channels %j with a sentence', (channels, message) => {
		const parsed = parseMutation({ type: 'org.setNotifications', orgId: 'org1', ...channels });
		expect(parsed).toMatchObject({ ok: false, code: 'INVALID_MUTATION' });
		if (!parsed.ok) expect(parsed.message).toMatch(message);
	});
});

describe('a managed user belongs to the organization that manages it (rules §1)', () => {
	/** Acme with zed, managed by another organization and not a member, invited by address; lee, a member from before the rule. */
	function withOutsiders() {
		const fx = orgWith({
			primaryAdmin: 'ann',
			members: membersOf({ ann: 'ORG_OWNER', lee: 'ORG_OWNER' }),
			others: ['zed'],
			verified: ['zed', 'lee'],
			teams: [{ name: 'Ops', members: [] }],
			projects: [{ name: 'Apollo', users: [['ann', ['PROJECT_OWNER']]] }],
			invites: ['zed@example.com']
		});
		for (const username of ['zed', 'lee']) fx.directory.put({ ...fx.directory.user(id(username))!, managedBy: 'other-org' });
		applyChanges(fx.state, [{ kind: 'member.put', member: { ...fx.state.member(id('lee'))!, managedBy: 'other-org' } }], 'fixture');
		return fx;
	}

	it.each<[string, Intent]>([
		['by username', { type: 'member.add', username: 'zed', role: 'ORG_MEMBER' }],
		['by its verified address', { type: 'member.invite', inviteId: 'i-new', email: 'zed@example.com', role: 'ORG_MEMBER', teams: [] }],
		[
			'to a project by username',
			{ type: 'project.addUser', projectId: projectId('Apollo'), username: 'zed', roles: ['PROJECT_READ_ONLY'] }
		],
		[
			'to a project by address',
			{ type: 'project.invite', projectId: projectId('Apollo'), inviteId: 'i-p', email: 'zed@example.com', roles: ['PROJECT_READ_ONLY'] }
		],
		['a role', { type: 'member.setRole', userId: id('lee'), role: 'ORG_MEMBER' }],
		['a team', { type: 'team.addMember', teamId: teamId('Ops'), userId: id('lee') }],
		['a project', { type: 'project.addUser', projectId: projectId('Apollo'), username: 'lee', roles: ['PROJECT_READ_ONLY'] }],
		['primary admin', { type: 'org.transferPrimaryAdmin', userId: id('lee') }]
	])('another organization cannot give it a way in: %s', (_name, intent) => {
		const fx = withOutsiders();
		const verdict = fx.run('ann', intent);
		expectRefused(verdict, 'MANAGED_ELSEWHERE');
		expect(!verdict.ok && verdict.message).toMatch(/^(zed|lee) is managed by another organization and cannot be added to Acme/);
	});

	it('it cannot accept an invitation to another organization, nor create one', () => {
		const fx = withOutsiders();
		expectRefused(fx.run('zed', { type: 'invite.accept', inviteId: inviteId('zed@example.com') }), 'MANAGED_ELSEWHERE');
		expect(fx.state.member(id('zed'))).toBeUndefined();
		const empty = emptyOrg(['mia']);
		empty.directory.put({ ...empty.directory.user(id('mia'))!, managedBy: 'other-org' });
		const verdict = empty.check('mia', { type: 'org.create', name: 'Mia Co' });
		expectRefused(verdict, 'MANAGED_ELSEWHERE');
		expect(!verdict.ok && verdict.message).toBe('Your account is managed by another organization, so it cannot join or create Mia Co.');
	});

	it('a member from before the rule may only leave, and may be removed', () => {
		const fx = withOutsiders();
		expectRefused(fx.check('lee', { type: 'team.create', teamId: 't2', name: 'Dev' }), 'MANAGED_ELSEWHERE');
		expect(mayAttempt(fx.state, id('lee'), 'team.create')).toBe(false);
		expectAccepted(fx.check('lee', { type: 'member.leave' }));
		expectAccepted(fx.run('ann', { type: 'member.remove', userId: id('lee') }));
		assertInvariants(fx.state);
	});

	it('a primary admin managed elsewhere may be replaced by any owner', () => {
		const fx = orgWith({
			primaryAdmin: 'lee',
			members: membersOf({ lee: 'ORG_OWNER', ann: 'ORG_OWNER', sam: 'ORG_PROJECT_CREATOR' }),
			verified: ['ann']
		});
		applyChanges(fx.state, [{ kind: 'member.put', member: { ...fx.state.member(id('lee'))!, managedBy: 'other-org' } }], 'fixture');
		expectRefused(fx.check('lee', { type: 'org.transferPrimaryAdmin', userId: id('ann') }), 'MANAGED_ELSEWHERE');
		expectRefused(fx.check('sam', { type: 'org.transferPrimaryAdmin', userId: id('ann') }), 'FORBIDDEN');
		expectRefused(fx.check('ann', { type: 'org.close' }), 'FORBIDDEN');
		expectAccepted(fx.run('ann', { type: 'org.transferPrimaryAdmin', userId: id('ann') }));
		expect(fx.state.org()?.primaryAdminId).toBe(id('ann'));
	});

	it('the organization that manages it adds it as before', () => {
		const fx = acme();
		expectAccepted(fx.run('ann', { type: 'member.addManaged', userId: id('max'), role: 'ORG_MEMBER' }));
		expectAccepted(
			fx.run('ann', { type: 'project.addUser', projectId: projectId('Apollo'), username: 'max', roles: ['PROJECT_READ_ONLY'] })
		);
	});
});
