import { describe, expect, it } from 'vitest';
import {
	MUTATION_TYPES,
	applyChanges,
	checkMutation,
	describeMutation,
	entryNames,
	recordedNames,
	type Names
} from '../../src/lib/domain/index.ts';
import { NOW, id, orgWith, teamId, withOrgId, type Intent } from './factories.ts';
import { INTENT, setup } from './permission-fixture.ts';

/** Names as a client knows them later: everything renamed or gone. */
const later: Names = { user: () => 'LATER', team: () => 'LATER', project: () => 'LATER', invitation: () => 'LATER' };

const acme = () =>
	orgWith({
		primaryAdmin: 'ann',
		members: [
			{ username: 'ann', role: 'ORG_OWNER' },
			{ username: 'bob', role: 'ORG_MEMBER' }
		],
		teams: [{ name: 'Frontend', members: ['bob'] }]
	});

/** Records the names `intent` by ann mentions, applies it, and describes it as the feed would later. */
function recordAndApply(intent: Intent) {
	const f = acme();
	const m = withOrgId(intent);
	const names = entryNames(f.state, m, id('ann'));
	const verdict = checkMutation(f.state, { actorId: id('ann'), now: NOW }, m);
	if (verdict.ok) applyChanges(f.state, verdict.changes, 'test');
	return { names, words: describeMutation(m, recordedNames(names, later)) };
}

describe('the names an activity entry records', () => {
	it('are the team’s name before a rename, beside the new one the mutation holds', () => {
		const { names, words } = recordAndApply({ type: 'team.rename', teamId: teamId('Frontend'), name: 'Web' });
		expect(words).toBe('Rename team Frontend to “Web”');
		expect(names).toEqual({ actor: 'ann', team: { [teamId('Frontend')]: 'Frontend' } });
	});

	it('are the name of a team it deletes and of a member it removes, which the state no longer knows after', () => {
		expect(recordAndApply({ type: 'team.delete', teamId: teamId('Frontend') }).words).toBe('Delete team Frontend');
		const removed = recordAndApply({ type: 'member.remove', userId: id('bob') });
		expect(removed.words).toBe('Remove bob');
		expect(removed.names).toEqual({ actor: 'ann', user: { [id('bob')]: 'bob' } });
	});

	it('leave out what the state does not know (the mutation is refused): the feed then shows the current name', () => {
		const { names, words } = recordAndApply({ type: 'team.rename', teamId: 't-gone', name: 'Web' });
		expect(names).toEqual({ actor: 'ann' });
		expect(words).toBe('Rename team LATER to “Web”');
	});

	it('fall back to current names for an entry recorded before names were kept', () => {
		const m = withOrgId({ type: 'team.addMember', teamId: 't-1', userId: 'u-1' });
		expect(describeMutation(m, recordedNames(undefined, later))).toBe('Add LATER to team LATER');
		expect(describeMutation(m, recordedNames({ team: { 't-1': 'Ops' } }, later))).toBe('Add LATER to team Ops');
	});

	it('key an invitation by its project too: a project invitation and an organization one may share an id', () => {
		const names = recordedNames({ invitation: { 'i-1': 'org@example.org', 'i-1/p-1': 'project@example.org' } }, later);
		expect(names.invitation('i-1')).toBe('org@example.org');
		expect(names.invitation('i-1', 'p-1')).toBe('project@example.org');
	});

	it.each(MUTATION_TYPES)('%s: every name its words mention is recorded, so later changes cannot alter them', (type) => {
		const f = setup(type);
		const m = withOrgId(INTENT[type]);
		const recorded = entryNames(f.state, m, id('admin'));
		expect(recorded.actor).toBe('admin');
		expect(describeMutation(m, recordedNames(recorded, later))).not.toContain('LATER');
	});
});
