import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { INDEXES, entriesOf, type IndexName } from '../../src/lib/domain/doc-indexes.ts';
import {
	MODEL,
	OrgDocState,
	OverlayState,
	TABLES,
	applyChanges,
	docMap,
	locate,
	memberOf,
	type Change,
	type OrgState,
	type TableName
} from '../../src/lib/domain/index.ts';
import { TestDirectory, openInvoice } from './factories.ts';

const P = 'p1';
const ann = memberOf({ id: 'u1', username: 'ann', email: 'ann@example.com', emailVerified: true, displayName: 'Ann' }, 'ORG_OWNER', 0);
const invite = { email: 'new@example.com', invitedBy: 'u1', createdAt: 0, expiresAt: 1 };

/**
 * Changes of every kind, each removal after a put of the same row. Typed by kind, so a
 * kind added to the model without a sample here does not compile.
 */
const SAMPLES: { [K in Change['kind']]: Extract<Change, { kind: K }>[] } = {
	'org.put': [{ kind: 'org.put', org: { id: 'o1', name: 'Acme', status: 'active', primaryAdminId: 'u1', createdAt: 0 } }],
	'member.put': [{ kind: 'member.put', member: ann }],
	'member.delete': [{ kind: 'member.delete', userId: 'u1' }],
	'team.put': [{ kind: 'team.put', team: { id: 't1', name: 'Ops', createdAt: 0 } }],
	'team.delete': [{ kind: 'team.delete', teamId: 't1' }],
	'teamMember.put': [{ kind: 'teamMember.put', teamId: 't1', userId: 'u1' }],
	'teamMember.delete': [{ kind: 'teamMember.delete', teamId: 't1', userId: 'u1' }],
	'invitation.put': [{ kind: 'invitation.put', invitation: { id: 'i1', ...invite, role: 'ORG_MEMBER', teams: ['t1'] } }],
	'invitation.delete': [{ kind: 'invitation.delete', inviteId: 'i1' }],
	'contact.put': [
		{ kind: 'contact.put', contact: 'technical', email: 'tech@example.com' },
		{ kind: 'contact.put', contact: 'technical', email: null }
	],
	'project.put': [{ kind: 'project.put', project: { id: P, orgId: 'o1', name: 'Apollo', status: 'active', createdAt: 0 } }],
	'projectUser.put': [{ kind: 'projectUser.put', projectId: P, userId: 'u1', roles: ['PROJECT_OWNER'] }],
	'projectUser.delete': [{ kind: 'projectUser.delete', projectId: P, userId: 'u1' }],
	'projectTeam.put': [{ kind: 'projectTeam.put', projectId: P, teamId: 't1', roles: ['PROJECT_OWNER'] }],
	'projectTeam.delete': [{ kind: 'projectTeam.delete', projectId: P, teamId: 't1' }],
	'joinRequest.put': [
		{ kind: 'joinRequest.put', projectId: P, request: { userId: 'u2', username: 'bob', email: 'bob@example.com', at: 0 } }
	],
	'joinRequest.delete': [{ kind: 'joinRequest.delete', projectId: P, userId: 'u2' }],
	'projectInvitation.put': [
		{ kind: 'projectInvitation.put', projectId: P, invitation: { id: 'pi1', ...invite, roles: ['PROJECT_READ_ONLY'] } }
	],
	'projectInvitation.delete': [{ kind: 'projectInvitation.delete', projectId: P, inviteId: 'pi1' }],
	'deployment.put': [
		{ kind: 'deployment.put', projectId: P, deployment: { id: 'd1', name: 'db', plan: 'free', status: 'active', createdAt: 0 } }
	],
	'billing.put': [{ kind: 'billing.put', info: { billingEmail: null, company: 'Acme', address: '', vatId: '' } }],
	'card.put': [
		{ kind: 'card.put', card: { id: 'c1', brand: 'visa', last4: '4242', expMonth: 1, expYear: 2030, holder: 'Ann', addedAt: 0 } }
	],
	'card.delete': [{ kind: 'card.delete', cardId: 'c1' }],
	'card.default': [
		{ kind: 'card.default', cardId: 'c1' },
		{ kind: 'card.default', cardId: null }
	],
	'invoice.put': [{ kind: 'invoice.put', invoice: openInvoice() }],
	'serviceAccount.put': [
		{
			kind: 'serviceAccount.put',
			account: {
				userId: 'u1',
				description: 'CI',
				createdAt: 0,
				createdBy: 'u1',
				secrets: [{ id: 's1', createdAt: 0, createdBy: 'u1', expiresAt: 1 }]
			}
		}
	],
	'serviceAccount.delete': [{ kind: 'serviceAccount.delete', userId: 'u1' }]
};
const ALL: Change[] = Object.values(SAMPLES).flat();
const PUTS = ALL.filter((c) => locate(c).row !== null);
const REMOVALS = ALL.filter((c) => locate(c).row === null);

const newState = () => new OrgDocState(new Y.Doc(), new TestDirectory());
const projectOf = (table: TableName) => (MODEL[table].doc === 'project' ? P : '');

function applied(...batches: Change[][]): OrgDocState {
	const state = newState();
	for (const changes of batches) applyChanges(state, changes, 'test');
	return state;
}

/** Every index entry the rows of `state` make, found by scanning them. */
function scanIndex(state: OrgState, name: IndexName): Map<string, Set<string>> {
	const { table } = INDEXES[name];
	const found = new Map<string, Set<string>>();
	for (const row of state.rows(table, projectOf(table)).values()) {
		for (const [key, value] of entriesOf(name, row, projectOf(table))) found.set(key, (found.get(key) ?? new Set()).add(value));
	}
	return found;
}

/** Keys any sample row puts into an index, so lookups of emptied keys are compared too. */
function sampleKeys(name: IndexName): Set<string> {
	const { table } = INDEXES[name];
	return new Set(PUTS.map(locate).flatMap((w) => (w.table === table ? entriesOf(name, w.row, w.project).map(([key]) => key) : [])));
}

/** Reads `actual` as `expected`: every table's rows, and every index, generically. */
function expectSameState(actual: OrgState, expected: OrgState) {
	for (const table of TABLES) {
		const project = projectOf(table);
		expect([...actual.rows(table, project)], table).toEqual([...expected.rows(table, project)]);
		expect(actual.size(table, project), table).toBe(expected.size(table, project));
		for (const key of expected.rows(table, project).keys())
			expect(actual.row(table, key, project)).toEqual(expected.row(table, key, project));
	}
	for (const name of Object.keys(INDEXES) as IndexName[]) {
		for (const key of new Set([...sampleKeys(name), ...scanIndex(expected, name).keys()])) {
			expect(new Set(actual.lookup(name, key)), `${name}[${key}]`).toEqual(new Set(expected.lookup(name, key)));
			expect(actual.count(name, key), `${name}[${key}]`).toBe(expected.count(name, key));
		}
	}
	expect(new Set(actual.projectsWithDeployments())).toEqual(new Set(expected.projectsWithDeployments()));
}

/** A document's indexes hold what a scan of its rows finds, and nothing more. */
function expectIndexesMatchScan(state: OrgDocState) {
	for (const name of Object.keys(INDEXES) as IndexName[]) {
		const scan = scanIndex(state, name);
		for (const key of new Set([...sampleKeys(name), ...scan.keys()]))
			expect(new Set(state.lookup(name, key)), `${name}[${key}]`).toEqual(scan.get(key) ?? new Set());
	}
}

describe('the replicated model', () => {
	it('has samples for every table', () => {
		expect(new Set(ALL.map((c) => locate(c).table))).toEqual(new Set(TABLES));
	});

	it.each(PUTS.map((c) => [c.kind, c] as const))(
		'%s writes a row of its table’s schema, read back here and on another replica',
		(_kind, change) => {
			const { table, key, project, row } = locate(change);
			const state = applied([change]);
			expect(MODEL[table].row.parse(row)).toEqual(row);
			expect(docMap(state.docOf(table, project)!, table).get(key)).toEqual(row);
			expect(state.row(table, key, project)).toEqual(row);

			const copy = newState();
			Y.applyUpdate(copy.docOf(table, project, true)!, Y.encodeStateAsUpdate(state.docOf(table, project)!));
			expect(copy.row(table, key, project)).toEqual(row);
		}
	);

	it.each(REMOVALS.map((c) => [c.kind, c] as const))('%s removes its row and the row’s index entries', (_kind, change) => {
		const { table, key, project } = locate(change);
		const state = applied(PUTS);
		expect(state.row(table, key, project)).toBeDefined();
		applyChanges(state, [change], 'test');
		expect(state.row(table, key, project)).toBeUndefined();
		expectIndexesMatchScan(state);
	});

	it('keeps every index equal to a scan through puts and removals', () => {
		const state = newState();
		for (const change of [...PUTS, ...REMOVALS]) {
			applyChanges(state, [change], 'test');
			expectIndexesMatchScan(state);
		}
	});
});

describe('the overlay over the model', () => {
	it('shows pending puts of every table over an empty replica as if applied, writing nothing', () => {
		const replica = newState();
		const overlay = new OverlayState(replica);
		overlay.apply(PUTS);
		expectSameState(overlay, applied(PUTS));
		expectSameState(replica, newState());
	});

	it('takes out the rows of pending removals of every table, and their index entries', () => {
		const replica = applied(PUTS);
		const vectors = TABLES.map((t) => Y.encodeStateVector(replica.docOf(t, projectOf(t))!));
		const overlay = new OverlayState(replica);
		overlay.apply(REMOVALS);
		expectSameState(overlay, applied(PUTS, REMOVALS));
		expect(TABLES.map((t) => Y.encodeStateVector(replica.docOf(t, projectOf(t))!))).toEqual(vectors);
		expectSameState(replica, applied(PUTS));
	});

	it('lists each pending row under its table and project', () => {
		const overlay = new OverlayState(newState());
		overlay.apply(ALL);
		for (const change of ALL) {
			const { table, key, project } = locate(change);
			expect(overlay.pending(table, project).has(key), change.kind).toBe(true);
			expect(overlay.pendingProjects(table)).toEqual([project]);
		}
	});
});
