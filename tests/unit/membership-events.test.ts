import { describe, expect, it } from 'vitest';
import { membershipEvents, type Member } from '../../src/lib/domain/index.ts';
import { expectAccepted, id, membersOf, orgWith, withOrgId, type Intent } from './factories.ts';

function acme() {
	return orgWith({
		primaryAdmin: 'ann',
		members: membersOf({ ann: 'ORG_OWNER', bob: 'ORG_OWNER', carol: 'ORG_MEMBER' }),
		verified: ['bob', 'carol'],
		others: ['zed']
	});
}

/** Runs `intent` by ann and describes it as the server does: with each member as it was before. */
function events(intent: Intent) {
	const fx = acme();
	const before = new Map<string, Member | undefined>(fx.state.members().map((m) => [m.userId, m]));
	const verdict = fx.run('ann', intent);
	expectAccepted(verdict);
	return membershipEvents(withOrgId(intent), verdict.changes, (userId) => before.get(userId));
}

describe('membership events (what alerts report)', () => {
	it('a join, a role change, a removal and a transfer', () => {
		expect(events({ type: 'member.add', username: 'zed', role: 'ORG_READ_ONLY' })).toEqual([
			{ userId: id('zed'), username: 'zed', change: 'joined', role: 'ORG_READ_ONLY' }
		]);
		expect(events({ type: 'member.setRole', userId: id('carol'), role: 'ORG_OWNER' })).toEqual([
			{ userId: id('carol'), username: 'carol', change: 'role', role: 'ORG_OWNER', from: 'ORG_MEMBER' }
		]);
		expect(events({ type: 'member.remove', userId: id('carol') })).toEqual([{ userId: id('carol'), username: 'carol', change: 'left' }]);
		expect(events({ type: 'org.transferPrimaryAdmin', userId: id('bob') })).toEqual([
			{ userId: id('bob'), username: 'bob', change: 'primary admin' }
		]);
		expect(events({ type: 'org.transferPrimaryAdmin', userId: id('carol') })).toEqual([
			{ userId: id('carol'), username: 'carol', change: 'role', role: 'ORG_OWNER', from: 'ORG_MEMBER' },
			{ userId: id('carol'), username: 'carol', change: 'primary admin' }
		]);
	});

	it('nothing for changes that leave the membership as it was', () => {
		expect(events({ type: 'org.rename', name: 'Acme 2' })).toEqual([]);
		expect(events({ type: 'member.setRole', userId: id('carol'), role: 'ORG_MEMBER' })).toEqual([]);
		expect(events({ type: 'team.create', teamId: 't-x', name: 'X' })).toEqual([]);
	});
});
