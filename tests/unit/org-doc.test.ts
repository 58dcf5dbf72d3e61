import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import {
	OrgDocState,
	OrgRole,
	applyChanges,
	applyOrgChanges,
	memberOf,
	projectMaps,
	type Change,
	type Deployment
} from '../../src/lib/domain/index.ts';
import { TestDirectory, openInvoice, pick, prng } from './factories.ts';

const USERS = 12;
const usernamesOf = (i: number) => [`p${i}`, `p${i}.alt`];
const ALL_USERNAMES = Array.from({ length: USERS }, (_, i) => usernamesOf(i)).flat();

function randomChanges(rand: () => number): Change[] {
	return Array.from({ length: 1 + Math.floor(rand() * 4) }, (): Change => {
		const i = Math.floor(rand() * USERS);
		if (rand() < 0.3) return { kind: 'member.delete', userId: `id${i}` };
		const user = { id: `id${i}`, username: pick(rand, usernamesOf(i)), email: `p${i}@example.com`, emailVerified: true, displayName: '' };
		return { kind: 'member.put', member: memberOf(user, pick(rand, OrgRole.options), 0) };
	});
}

function expectIndexMatchesScan(state: OrgDocState): void {
	const members = state.members();
	expect(state.ownerCount()).toBe(members.filter((m) => m.role === 'ORG_OWNER').length);
	for (const username of ALL_USERNAMES) {
		expect(state.memberByUsername(username)?.userId).toBe(members.find((m) => m.username === username)?.userId);
	}
}

describe('OrgDocState indexes', () => {
	it.each([1, 2, 3])('match a full scan after random local changes (seed %i)', (seed) => {
		const rand = prng(seed);
		const doc = new Y.Doc();
		applyOrgChanges(doc, randomChanges(rand), 'before');
		const state = new OrgDocState(doc, new TestDirectory());
		expectIndexMatchesScan(state);
		for (let step = 0; step < 500; step++) {
			applyOrgChanges(doc, randomChanges(rand), 'test');
			expectIndexMatchesScan(state);
		}
	});

	it.each([4, 5, 6])('match a full scan with concurrent edits from a peer (seed %i)', (seed) => {
		const rand = prng(seed);
		const doc = new Y.Doc();
		const peer = new Y.Doc();
		const state = new OrgDocState(doc, new TestDirectory());
		for (let round = 0; round < 200; round++) {
			applyOrgChanges(doc, randomChanges(rand), 'local');
			applyOrgChanges(peer, randomChanges(rand), 'peer');
			Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer, Y.encodeStateVector(doc)), 'remote');
			Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(peer)), 'remote');
			expectIndexMatchesScan(state);
			expect(new OrgDocState(peer, new TestDirectory()).ownerCount()).toBe(state.ownerCount());
		}
	});

	it('looks usernames up case-insensitively', () => {
		const doc = new Y.Doc();
		const user = { id: 'id1', username: 'ann', email: 'ann@example.com', emailVerified: true, displayName: 'Ann' };
		applyOrgChanges(doc, [{ kind: 'member.put', member: memberOf(user, 'ORG_OWNER', 0) }], 'test');
		expect(new OrgDocState(doc, new TestDirectory()).memberByUsername('ANN')?.userId).toBe('id1');
	});

	it('forgets the index entries of a detached project and of a reset billing document', () => {
		const state = new OrgDocState(new Y.Doc(), new TestDirectory());
		const deployment: Deployment = { id: 'd1', name: 'db', plan: 'free', status: 'active', createdAt: 0 };
		const invoice = openInvoice();
		applyChanges(
			state,
			[
				{ kind: 'projectUser.put', projectId: 'p1', userId: 'id1', roles: ['PROJECT_OWNER'] },
				{ kind: 'deployment.put', projectId: 'p1', deployment },
				{ kind: 'invoice.put', invoice }
			],
			'test'
		);
		expect(state.projectsOfUser('id1')).toEqual(['p1']);
		expect(state.projectsWithDeployments()).toEqual(['p1']);
		expect(state.billing().openInvoices()).toHaveLength(1);

		const doc = state.projectDoc('p1');
		state.detachProject('p1');
		projectMaps(doc).users.set('id2', { userId: 'id2', roles: ['PROJECT_OWNER'] });
		expect(state.project('p1')).toBeUndefined();
		expect(state.projectsOfUser('id1')).toEqual([]);
		expect(state.projectsOfUser('id2')).toEqual([]);
		expect(state.projectsWithDeployments()).toEqual([]);

		state.resetBilling();
		expect(state.billing().openInvoices()).toEqual([]);
	});
});
