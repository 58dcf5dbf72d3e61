import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import {
	OrgDocState,
	applyChanges,
	checkMutation,
	previewMutations,
	previewReadBy,
	previewSentence,
	previewSentences,
	type Mutation,
	type OrgState
} from '../../src/lib/domain/index.ts';
import { DEMO_ORG_ID, demoMutations, demoUsers, type DemoSize } from '../../sync-server/demo/demo-org.ts';
import { NOW, id, orgWith, projectId, teamId, withOrgId, type Fixture, type Intent } from './factories.ts';

/** ann (primary admin) and olga: owners; bob, carol, dan: members; teams Ops (bob, carol) and Dev (carol); projects Apollo and Zeus. */
function acme(): Fixture {
	return orgWith({
		primaryAdmin: 'ann',
		members: [
			{ username: 'ann', role: 'ORG_OWNER' },
			{ username: 'olga', role: 'ORG_OWNER' },
			{ username: 'bob', role: 'ORG_MEMBER' },
			{ username: 'carol', role: 'ORG_MEMBER' },
			{ username: 'dan', role: 'ORG_MEMBER' }
		],
		verified: ['bob', 'carol', 'dan'],
		teams: [
			{ name: 'Ops', members: ['bob', 'carol'] },
			{ name: 'Dev', members: ['carol'] }
		],
		projects: [
			{
				name: 'Apollo',
				users: [['dan', ['PROJECT_OWNER', 'PROJECT_READ_ONLY']]],
				teams: [
					['Ops', ['PROJECT_OWNER']],
					['Dev', ['PROJECT_OWNER']]
				]
			},
			{ name: 'Zeus', users: [['ann', ['PROJECT_OWNER']]], teams: [['Ops', ['PROJECT_READ_ONLY']]], invites: ['eve@example.com'] }
		],
		invites: [['fay@example.com', ['Ops']]]
	});
}

const preview = (fx: Fixture, actor: string, ...intents: Intent[]) =>
	previewMutations(
		fx.state,
		{ actorId: id(actor), now: NOW },
		intents.map((i) => withOrgId(i))
	);

describe('previewMutations', () => {
	it('names direct project roles lost, and changes nothing', () => {
		const fx = acme();
		const vector = Y.encodeStateVector(fx.doc);
		const p = preview(fx, 'ann', { type: 'project.removeUser', projectId: projectId('Apollo'), userId: id('dan') });
		expect(p.verdicts).toEqual([{ ok: true }]);
		expect(p.gains).toEqual([]);
		expect(p.losses).toEqual([
			{
				person: { userId: id('dan'), username: 'dan' },
				access: {
					kind: 'projectRoles',
					projectId: projectId('Apollo'),
					project: 'Apollo',
					roles: ['PROJECT_OWNER', 'PROJECT_READ_ONLY'],
					via: ['individual']
				}
			}
		]);
		expect(previewSentence(p)).toBe('dan loses Owner, Read only on Apollo (individually).');
		expect(Y.encodeStateVector(fx.doc)).toEqual(vector);
		expect(fx.state.project(projectId('Apollo'))!.userRoles(id('dan'))).toBeDefined();
	});

	it('through teams: a role kept through another team is not lost', () => {
		const fx = acme();
		const p = preview(fx, 'ann', { type: 'team.delete', teamId: teamId('Ops') });
		expect(p.verdicts).toEqual([{ ok: true }]);
		const { losses } = previewSentences(p);
		// carol keeps Owner on Apollo through Dev; bob loses it, and both lose Read only on Zeus.
		expect(losses).toEqual([
			'2 people leave team Ops: bob, carol.',
			'bob loses Owner on Apollo (through team Ops).',
			'2 people lose Read only on Zeus (through team Ops): bob, carol.',
			'fay@example.com will no longer join team Ops on accepting the invitation.'
		]);
		expect(p.gains).toEqual([]);
	});

	it('gains through a team, with where they come from', () => {
		const fx = acme();
		const p = preview(fx, 'ann', { type: 'team.addMember', teamId: teamId('Dev'), userId: id('dan') });
		// dan already owns Apollo individually: only the team is new.
		expect(previewSentences(p)).toEqual({ losses: [], gains: ['dan joins team Dev.'] });
		const q = preview(fx, 'ann', { type: 'team.addMember', teamId: teamId('Ops'), userId: id('dan') });
		expect(previewSentences(q).gains).toEqual(['dan joins team Ops.', 'dan gains Read only on Zeus (through team Ops).']);
	});

	it('organization ownership is one line, not one per project', () => {
		const fx = acme();
		const up = preview(fx, 'ann', { type: 'member.setRole', userId: id('bob'), role: 'ORG_OWNER' });
		expect(previewSentences(up)).toEqual({
			losses: ['bob loses Member.'],
			gains: ['bob becomes Organization Owner: owner of every project.']
		});
		// Demoted, olga loses every project in one line; removed, dan loses what he held himself.
		const down = preview(
			fx,
			'ann',
			{ type: 'member.setRole', userId: id('olga'), role: 'ORG_MEMBER' },
			{ type: 'member.remove', userId: id('dan') }
		);
		expect(down.verdicts).toEqual([{ ok: true }, { ok: true }]);
		expect(previewSentences(down).losses).toEqual([
			'olga loses Organization Owner: owner of every project.',
			'dan loses Member.',
			'dan loses Owner, Read only on Apollo (individually).'
		]);
	});

	it('invitations gained and lost, to the organization and to projects', () => {
		const fx = acme();
		const p = preview(
			fx,
			'ann',
			{ type: 'member.invite', inviteId: 'i-gus', email: 'gus@example.com', role: 'ORG_BILLING_VIEWER', teams: [teamId('Dev')] },
			{ type: 'project.invite', projectId: projectId('Apollo'), inviteId: 'i-gus2', email: 'gus@example.com', roles: ['PROJECT_OWNER'] },
			{ type: 'member.cancelInvite', inviteId: 'i-fay' },
			{ type: 'project.cancelInvite', projectId: projectId('Zeus'), inviteId: 'i-eve' }
		);
		expect(p.verdicts.every((v) => v.ok)).toBe(true);
		expect(previewSentences(p)).toEqual({
			losses: [
				'fay@example.com is no longer invited to the organization as Member.',
				'fay@example.com will no longer join team Ops on accepting the invitation.',
				'eve@example.com is no longer invited to Zeus as Read only.'
			],
			gains: [
				'gus@example.com is invited to the organization as Billing Viewer.',
				'gus@example.com will join team Dev on accepting the invitation.',
				'gus@example.com is invited to Apollo as Owner.'
			]
		});
	});

	it('checks a batch in order: a refused entry changes nothing, later entries see earlier ones', () => {
		const fx = acme();
		const p = preview(
			fx,
			'ann',
			{ type: 'team.create', teamId: 't-qa', name: 'QA' },
			{ type: 'team.addMember', teamId: 't-qa', userId: 'u-nobody' },
			{ type: 'team.addMember', teamId: 't-qa', userId: id('dan') },
			{ type: 'project.addTeam', projectId: projectId('Zeus'), teamId: 't-qa', roles: ['PROJECT_CLUSTER_MANAGER'] }
		);
		expect(p.verdicts.map((v) => (v.ok ? 'ok' : v.code))).toEqual(['ok', 'MEMBER_NOT_FOUND', 'ok', 'ok']);
		expect(previewSentences(p)).toEqual({
			losses: [],
			gains: ['dan joins team QA.', 'dan gains Cluster Manager on Zeus (through team QA).']
		});
		// A member may not delete a team: refused, nothing previewed.
		const refused = preview(fx, 'bob', { type: 'team.delete', teamId: teamId('Ops') });
		expect(refused).toMatchObject({ verdicts: [{ ok: false, code: 'FORBIDDEN' }], gains: [], losses: [] });
		expect(previewSentence(refused)).toBe('Nobody gains or loses access.');
	});

	it('names at most ten people in a sentence', () => {
		const names = Array.from({ length: 12 }, (_, i) => `m${i}`);
		const fx = orgWith({
			primaryAdmin: 'ann',
			members: [{ username: 'ann', role: 'ORG_OWNER' }, ...names.map((username) => ({ username, role: 'ORG_MEMBER' as const }))],
			teams: [{ name: 'Big', members: names }]
		});
		const p = preview(fx, 'ann', { type: 'team.delete', teamId: teamId('Big') });
		expect(previewSentence(p)).toBe(`12 people leave team Big: ${names.slice(0, 10).join(', ')} and 2 more.`);
	});

	it('a reader sees only the projects it may read', () => {
		const fx = acme();
		const p = preview(fx, 'ann', { type: 'team.delete', teamId: teamId('Ops') });
		// bob reads Apollo and Zeus (Ops gives him roles); dan reads Apollo only.
		expect(previewReadBy(fx.state, p, id('bob'))).toEqual(p);
		const seen = previewReadBy(fx.state, p, id('dan'));
		expect(previewSentences(seen).losses).toEqual([
			'2 people leave team Ops: bob, carol.',
			'bob loses Owner on Apollo (through team Ops).',
			'fay@example.com will no longer join team Ops on accepting the invitation.'
		]);
	});
});

/** Counts every read a preview makes of the organization's state, a list read counting each of its rows. */
function counting(state: OrgState): { state: OrgState; reads: () => number } {
	let reads = 0;
	const proxy: OrgState = new Proxy(state, {
		get(target, key) {
			const value = Reflect.get(target, key, target) as unknown;
			if (typeof value !== 'function') return value;
			return (...args: unknown[]) => {
				// Called on the proxy, so that what a read is made of (this.row, this.lookup) counts too.
				const result = (value as (...a: unknown[]) => unknown).apply(proxy, args);
				reads += 1 + (result instanceof Map ? result.size : Array.isArray(result) ? result.length : 0);
				return result;
			};
		}
	});
	return { state: proxy, reads: () => reads };
}

function demoOrg(size: DemoSize) {
	const users = demoUsers(size.users);
	const byId = new Map(users.map((u) => [u.id, u]));
	const byName = new Map(users.map((u) => [u.username, u]));
	const state = new OrgDocState(new Y.Doc(), { user: (i) => byId.get(i), userByUsername: (n) => byName.get(n), usersByEmail: () => [] });
	for (const m of demoMutations(size, users)) {
		const verdict = checkMutation(state, { actorId: users[0]!.id, now: 0 }, m);
		if (verdict.ok) applyChanges(state, verdict.changes, 'test');
	}
	return { state, actorId: users[0]!.id };
}

describe('preview cost', () => {
	it('a team deletion reads what the team touches, the same in a small and a 100-times larger organization', () => {
		// The same team (ten members, the same projects) in both: only the organization around it grows.
		const small = demoOrg({ users: 32, teams: 3, projects: 5 });
		const big = demoOrg({ users: 3_200, teams: 300, projects: 500 });
		const reads = ({ state, actorId }: ReturnType<typeof demoOrg>) => {
			const counted = counting(state);
			const m: Mutation = { type: 'team.delete', orgId: DEMO_ORG_ID, teamId: 'team0' };
			const p = previewMutations(counted.state, { actorId, now: 0 }, [m]);
			expect(p.verdicts).toEqual([{ ok: true }]);
			return { reads: counted.reads(), members: state.teamMemberCount('team0'), projects: state.projectsOfTeam('team0').length, p };
		};
		const s = reads(small);
		const b = reads(big);
		expect(b.members).toBe(s.members);
		expect(b.projects).toBeGreaterThan(0);
		// Reads follow the team's members and projects, never the organization's 3,200 users.
		expect(b.reads).toBeLessThan(s.reads * 1.1);
	});
});
