import { afterEach, describe, expect, it } from 'vitest';
import type { OrgModel } from '../../src/lib/client/org-model.svelte.ts';
import { ClientFixture, ORG_ID, id } from './fixtures.ts';

let fx: ClientFixture;
let model: OrgModel;
afterEach(async () => {
	model?.dispose();
	await fx.db.delete();
});

const usernames = () => model.rows.list.map((r) => r.username);

/** ann (primary admin, owner) and members named so that their order is not their insertion order. */
async function synced(names = ['dora', 'bob', 'carl', 'eve']) {
	fx = new ClientFixture([{ username: 'ann', role: 'ORG_OWNER' }, ...names.map((username) => ({ username, role: 'ORG_MEMBER' as const }))]);
	await fx.sync();
	model = fx.model();
}

describe('OrgModel: member rows follow the document change by change', () => {
	it('builds the rows once, sorted by username, the primary admin marked', async () => {
		await synced();
		expect(usernames()).toEqual(['ann', 'bob', 'carl', 'dora', 'eve']);
		expect(model.rows.get(id('ann'))?.primaryAdmin).toBe(true);
		expect(model.me?.role).toBe('ORG_OWNER');
	});

	it('a remote change to one member updates that row in place: the list and every other row are untouched', async () => {
		await synced();
		const list = model.rows.list;
		const others = list.filter((r) => r.userId !== id('carl')).map((r) => [r, r.member] as const);
		const carl = model.rows.get(id('carl'))!;

		fx.serverApplies({ kind: 'member.put', member: { ...carl.member, role: 'ORG_READ_ONLY' } });
		await fx.sync();

		expect(model.rows.list).toBe(list);
		expect(model.rows.get(id('carl'))).toBe(carl);
		expect(carl.role).toBe('ORG_READ_ONLY');
		for (const [row, member] of others) expect(row.member).toBe(member);
	});

	it('keeps the order when members come, go or change their username, the moved row kept', async () => {
		await synced();
		const bob = model.rows.get(id('bob'))!;
		fx.serverApplies(
			{ kind: 'member.put', member: fx.member('cat') },
			{ kind: 'member.put', member: { ...bob.member, username: 'zed' } },
			{ kind: 'member.delete', userId: id('dora') }
		);
		await fx.sync();
		expect(usernames()).toEqual(['ann', 'carl', 'cat', 'eve', 'zed']);
		expect(model.rows.get(id('bob'))).toBe(bob);
		expect(model.rows.get(id('dora'))).toBeUndefined();
	});

	it('sorts again at once when a first sync brings many members', async () => {
		const many = Array.from({ length: 150 }, (_, i) => `user${String(149 - i).padStart(3, '0')}`);
		fx = new ClientFixture([{ username: 'ann', role: 'ORG_OWNER' }]);
		model = fx.model();
		expect(model.rows.list).toEqual([]);
		fx.serverApplies(...many.map((u) => ({ kind: 'member.put' as const, member: fx.member(u) })));
		await fx.sync();
		expect(usernames()).toEqual(['ann', ...[...many].sort()]);
	});

	it('moves the primary admin mark with a transfer, on those two rows only', async () => {
		await synced();
		fx.serverApplies({ kind: 'org.put', org: { ...fx.server.state.org()!, primaryAdminId: id('bob') } });
		await fx.sync();
		expect(model.rows.list.filter((r) => r.primaryAdmin).map((r) => r.username)).toEqual(['bob']);
	});

	it('starts empty for an organization not yet synced and follows its replica once it arrives', async () => {
		fx = new ClientFixture([
			{ username: 'ann', role: 'ORG_OWNER' },
			{ username: 'bob', role: 'ORG_MEMBER' }
		]);
		model = fx.model();
		expect(model.org).toBeUndefined();
		await fx.sync();
		expect(model.org?.name).toBe('Acme');
		expect(usernames()).toEqual(['ann', 'bob']);
		fx.serverApplies({ kind: 'member.delete', userId: id('bob') });
		await fx.sync();
		expect(usernames()).toEqual(['ann']);
	});
});

describe('OrgModel: pending changes as the pages see them', () => {
	it('shows a queued role change as pending, and the synced row again once the verdict clears it', async () => {
		await synced();
		const list = model.rows.list;
		const entry = await fx.outbox.add({ type: 'member.setRole', orgId: ORG_ID, userId: id('carl'), role: 'ORG_OWNER' });
		const carl = model.rows.get(id('carl'))!;
		expect([carl.role, carl.pending]).toEqual(['ORG_OWNER', true]);
		expect(model.rows.list).toBe(list);
		expect(model.entries.map((e) => e.id)).toEqual([entry.id]);

		// Accepted: the server's change arrives, then the verdict removes the entry.
		fx.serverApplies({ kind: 'member.put', member: { ...fx.server.state.member(id('carl'))!, role: 'ORG_OWNER' } });
		await fx.sync();
		await fx.outbox.remove(entry.id);
		expect([carl.role, carl.pending]).toEqual(['ORG_OWNER', false]);
	});

	it('lists a pending removal struck through, and a refused change no longer shows', async () => {
		await synced();
		const entry = await fx.outbox.add({ type: 'member.remove', orgId: ORG_ID, userId: id('eve') });
		expect(model.rows.get(id('eve'))).toMatchObject({ pending: true, leaving: true });
		await fx.outbox.refuse(entry.id, 'FORBIDDEN', 'No');
		expect(model.rows.get(id('eve'))).toMatchObject({ pending: false, leaving: false });
		expect(usernames()).toContain('eve');
	});

	it('marks a pending change the rules would refuse as doubtful, checked again when the synced state changes', async () => {
		await synced();
		const entry = await fx.outbox.add({ type: 'member.setRole', orgId: ORG_ID, userId: id('bob'), role: 'ORG_OWNER' });
		expect(model.doubtful.size).toBe(0);
		fx.serverApplies({ kind: 'member.delete', userId: id('bob') });
		await fx.sync();
		expect(model.doubtful.get(entry.id)?.code).toBe('MEMBER_NOT_FOUND');
		expect(model.rows.get(id('bob'))).toBeUndefined();
	});

	it('answers may(), mayUse() and mayRead() with the domain rules for the signed-in user', async () => {
		await synced();
		expect(model.may('member.setRole')).toBe(true);
		expect(model.mayUse('org.export')).toBe(true);
		fx.serverApplies({ kind: 'member.put', member: { ...fx.server.state.member(id('ann'))!, role: 'ORG_READ_ONLY' } });
		await fx.sync();
		expect(model.may('member.setRole')).toBe(false);
		// Owners only download the organization; read-only members read the activity feed and the billing.
		expect(model.mayUse('org.export')).toBe(false);
		expect(model.mayUse('activity.read')).toBe(true);
		expect(model.mayRead({ doc: 'billing' })).toBe(true);
		fx.serverApplies({ kind: 'member.put', member: { ...fx.server.state.member(id('ann'))!, role: 'ORG_MEMBER' } });
		await fx.sync();
		expect(model.mayUse('activity.read')).toBe(false);
		expect(model.mayRead({ doc: 'billing' })).toBe(false);
	});
});
