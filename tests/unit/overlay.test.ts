import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { OverlayState, applyOrgChanges, type RefusalCode } from '../../src/lib/domain/index.ts';
import { expectAccepted, expectRefused, id, orgWith, type Fixture, type Intent } from './factories.ts';

/** ann: primary admin; bob and carol: owners; dan: verified member. */
function acme(primaryAdminRole: 'ORG_OWNER' | 'ORG_MEMBER' = 'ORG_OWNER') {
	return orgWith({
		primaryAdmin: 'ann',
		members: [
			{ username: 'ann', role: primaryAdminRole },
			{ username: 'bob', role: 'ORG_OWNER' },
			{ username: 'carol', role: 'ORG_OWNER' },
			{ username: 'dan', role: 'ORG_MEMBER' }
		],
		verified: ['bob', 'carol', 'dan'],
		others: ['zed']
	});
}

/** Checks `intent` against the overlay and, when accepted, lays it on as pending. */
function pend(fx: Fixture, overlay: OverlayState, actor: string, intent: Intent) {
	const verdict = fx.check(actor, intent, overlay);
	if (verdict.ok) overlay.apply(verdict.changes);
	return verdict;
}

/** Owners as the overlay shows them, by scanning the base members and the overlay's own entries. */
function scanOwners(fx: Fixture, overlay: OverlayState): number {
	const ids = new Set([...fx.state.members().map((m) => m.userId), ...overlay.pending('member').keys()]);
	return [...ids].filter((userId) => overlay.member(userId)?.role === 'ORG_OWNER').length;
}

describe('OverlayState', () => {
	it('shows pending changes without writing them into the doc', () => {
		const fx = acme();
		const vector = Y.encodeStateVector(fx.doc);
		let updates = 0;
		fx.doc.on('update', () => updates++);
		const overlay = new OverlayState(fx.state);

		expectAccepted(pend(fx, overlay, 'ann', { type: 'org.rename', name: 'Acme 2' }));
		expectAccepted(pend(fx, overlay, 'ann', { type: 'member.add', username: 'zed', role: 'ORG_READ_ONLY' }));
		expectAccepted(pend(fx, overlay, 'ann', { type: 'member.remove', userId: id('dan') }));
		expectAccepted(pend(fx, overlay, 'ann', { type: 'org.transferPrimaryAdmin', userId: id('bob') }));

		expect(overlay.org()).toMatchObject({ name: 'Acme 2', primaryAdminId: id('bob') });
		expect(overlay.member(id('zed'))?.role).toBe('ORG_READ_ONLY');
		expect(overlay.member(id('dan'))).toBeUndefined();

		expect(Y.encodeStateVector(fx.doc)).toEqual(vector);
		expect(updates).toBe(0);
		expect(fx.state.org()).toMatchObject({ name: 'Acme', primaryAdminId: id('ann') });
		expect(fx.state.member(id('zed'))).toBeUndefined();
		expect(fx.state.member(id('dan'))).toBeDefined();
	});

	it('counts owners through pending promotions, demotions and removals', () => {
		const fx = acme();
		const overlay = new OverlayState(fx.state);
		const steps: [Intent, number][] = [
			[{ type: 'member.setRole', userId: id('bob'), role: 'ORG_MEMBER' }, 2],
			[{ type: 'member.remove', userId: id('carol') }, 1],
			[{ type: 'member.setRole', userId: id('dan'), role: 'ORG_OWNER' }, 2],
			[{ type: 'member.setRole', userId: id('bob'), role: 'ORG_OWNER' }, 3],
			[{ type: 'member.add', username: 'zed', role: 'ORG_OWNER' }, 4],
			[{ type: 'member.remove', userId: id('zed') }, 3],
			[{ type: 'member.setRole', userId: id('dan'), role: 'ORG_OWNER' }, 3]
		];
		for (const [intent, owners] of steps) {
			expectAccepted(pend(fx, overlay, 'ann', intent));
			expect(overlay.ownerCount()).toBe(owners);
			expect(scanOwners(fx, overlay)).toBe(owners);
		}
		expect(fx.state.ownerCount()).toBe(3);
	});

	it.each<{ name: string; base?: 'ORG_MEMBER'; first: [string, Intent]; second: [string, Intent]; code: RefusalCode }>([
		{
			name: 'demoting the last non-primary owner (primary admin not an owner)',
			base: 'ORG_MEMBER',
			first: ['bob', { type: 'member.setRole', userId: id('bob'), role: 'ORG_MEMBER' }],
			second: ['carol', { type: 'member.setRole', userId: id('carol'), role: 'ORG_MEMBER' }],
			code: 'LAST_OWNER'
		},
		{
			name: 'removing the last non-primary owner (primary admin not an owner)',
			base: 'ORG_MEMBER',
			first: ['carol', { type: 'member.remove', userId: id('bob') }],
			second: ['carol', { type: 'member.leave' }],
			code: 'LAST_OWNER'
		},
		{
			name: 'demoting a pending primary admin',
			first: ['ann', { type: 'org.transferPrimaryAdmin', userId: id('dan') }],
			second: ['ann', { type: 'member.setRole', userId: id('dan'), role: 'ORG_MEMBER' }],
			code: 'PRIMARY_ADMIN_ROLE'
		},
		{
			name: 'transferring twice',
			first: ['ann', { type: 'org.transferPrimaryAdmin', userId: id('bob') }],
			second: ['ann', { type: 'org.transferPrimaryAdmin', userId: id('carol') }],
			code: 'FORBIDDEN'
		},
		{
			name: 'changing the role of a pending removal',
			first: ['ann', { type: 'member.remove', userId: id('dan') }],
			second: ['bob', { type: 'member.setRole', userId: id('dan'), role: 'ORG_OWNER' }],
			code: 'MEMBER_NOT_FOUND'
		},
		{
			name: 'adding a pending addition again',
			first: ['ann', { type: 'member.add', username: 'zed', role: 'ORG_MEMBER' }],
			second: ['bob', { type: 'member.add', username: 'zed', role: 'ORG_OWNER' }],
			code: 'ALREADY_MEMBER'
		},
		{
			name: 'managing members after a pending demotion of oneself',
			first: ['bob', { type: 'member.setRole', userId: id('bob'), role: 'ORG_MEMBER' }],
			second: ['bob', { type: 'member.remove', userId: id('dan') }],
			code: 'FORBIDDEN'
		},
		{
			name: 'renaming after a pending leave',
			first: ['carol', { type: 'member.leave' }],
			second: ['carol', { type: 'org.rename', name: 'Gone' }],
			code: 'NOT_A_MEMBER'
		}
	])('refuses $name against the overlay but not the base', ({ base, first, second, code }) => {
		const fx = acme(base);
		const overlay = new OverlayState(fx.state);
		expectAccepted(pend(fx, overlay, ...first));
		expectRefused(fx.check(...second, overlay), code);
		expectAccepted(fx.check(...second));
	});

	it('keeps counting owners right when the synced base changes under pending changes', () => {
		const fx = acme();
		const overlay = new OverlayState(fx.state);
		expectAccepted(pend(fx, overlay, 'ann', { type: 'member.setRole', userId: id('bob'), role: 'ORG_MEMBER' }));
		expect(overlay.ownerCount()).toBe(2);

		applyOrgChanges(fx.doc, [{ kind: 'member.put', member: { ...fx.state.member(id('bob'))!, role: 'ORG_MEMBER' } }], 'remote');

		expect(scanOwners(fx, overlay)).toBe(2);
		expect(overlay.ownerCount()).toBe(2);
		expectAccepted(fx.check('ann', { type: 'member.setRole', userId: id('carol'), role: 'ORG_MEMBER' }, overlay));
	});

	it('reads an index at the cost of what the changes did to that key, not of every pending change', () => {
		// 300 people in a team, all taken out as pending: reading another key's index reads no base row.
		const people = Array.from({ length: 300 }, (_, i) => `u${i}`);
		const fx = orgWith({
			primaryAdmin: 'ann',
			members: [{ username: 'ann', role: 'ORG_OWNER' }, ...people.map((username) => ({ username, role: 'ORG_MEMBER' as const }))],
			teams: [{ name: 'Big', members: people }]
		});
		const overlay = new OverlayState(fx.state);
		overlay.apply(people.map((u) => ({ kind: 'teamMember.delete', teamId: 't-big', userId: id(u) })));
		let baseReads = 0;
		const row = fx.state.row.bind(fx.state);
		fx.state.row = ((...args: Parameters<typeof row>) => (baseReads++, row(...args))) as typeof row;
		for (const u of people.slice(0, 100)) expect(overlay.lookup('userTeams', id(u))).toEqual([]);
		expect(overlay.count('teamMembers', 't-big')).toBe(0);
		expect(overlay.lookup('teamMembers', 't-other')).toEqual([]);
		expect(baseReads).toBe(0);
	});
});
