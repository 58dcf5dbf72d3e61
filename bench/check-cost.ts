/**
 * Check cost follows the change, not the organization: the same mutations checked
 * against the demo organization (10,000 users, 200 teams, 500 projects) and a 10-user
 * one built the same way. Pure domain, in process; prints figures, asserts nothing.
 */
import * as Y from 'yjs';
import { OrgDocState, applyChanges, checkMutation, previewMutations, type Mutation, type UserProfile } from '$lib/domain/index.ts';
import { DEMO_ORG_ID, DEMO_SIZE, demoMutations, demoUsers, type DemoSize } from '../sync-server/demo/demo-org.ts';

const ITERATIONS = 20_000;

function build(size: DemoSize) {
	const users = demoUsers(size.users);
	const byId = new Map(users.map((u) => [u.id, u]));
	const byName = new Map(users.map((u) => [u.username, u]));
	const state = new OrgDocState(new Y.Doc(), {
		user: (id) => byId.get(id),
		userByUsername: (name) => byName.get(name.toLowerCase()),
		usersByEmail: () => []
	});
	for (const m of demoMutations(size, users)) {
		const verdict = checkMutation(state, { actorId: users[0]!.id, now: 0 }, m);
		if (verdict.ok) applyChanges(state, verdict.changes, 'bench');
	}
	return { state, users };
}

/** Mutations that each touch one member, team or project, named the same in both organizations. */
function probes(users: UserProfile[]): [string, Mutation][] {
	const orgId = DEMO_ORG_ID;
	const member = users[5]!;
	return [
		['member.setRole', { type: 'member.setRole', orgId, userId: member.id, role: 'ORG_BILLING_VIEWER' }],
		['member.remove (teams, projects)', { type: 'member.remove', orgId, userId: member.id }],
		['team.removeMember', { type: 'team.removeMember', orgId, teamId: 'team0', userId: users[2]!.id }],
		['team.delete', { type: 'team.delete', orgId, teamId: 'team1' }],
		[
			'project.setUserRoles',
			{ type: 'project.setUserRoles', orgId, projectId: 'project0', userId: users[0]!.id, roles: ['PROJECT_OWNER', 'PROJECT_READ_ONLY'] }
		],
		['project.removeTeam', { type: 'project.removeTeam', orgId, projectId: 'project0', teamId: 'team0' }]
	];
}

function timeChecks(state: OrgDocState, actorId: string, m: Mutation): { us: number; verdict: string; changes: number } {
	let verdict = '';
	let changes = 0;
	for (let i = 0; i < 2000; i++) checkMutation(state, { actorId, now: 0 }, m); // warm-up
	const start = process.hrtime.bigint();
	for (let i = 0; i < ITERATIONS; i++) {
		const v = checkMutation(state, { actorId, now: 0 }, m);
		verdict = v.ok ? 'accepted' : v.code;
		changes = v.ok ? v.changes.length : 0;
	}
	return { us: Number(process.hrtime.bigint() - start) / 1000 / ITERATIONS, verdict, changes };
}

function runCheckCost(big: ReturnType<typeof build>) {
	const small = build({ users: 10, teams: 2, projects: 3 });
	console.log(
		`\nCheck cost: the same mutation against a 10-user organization and ${DEMO_SIZE.users} users / ${DEMO_SIZE.teams} teams / ${DEMO_SIZE.projects} projects (${ITERATIONS} checks each)`
	);
	console.log('  mutation                          10 users µs   10,000 users µs   big/small   per change   changes (small / big)');
	let worst = 0;
	let worstPerChange = 0;
	for (const [i, [name, m]] of probes(small.users).entries()) {
		const bigMutation = probes(big.users)[i]![1];
		const s = timeChecks(small.state, small.users[0]!.id, m);
		const b = timeChecks(big.state, big.users[0]!.id, bigMutation);
		const ratio = b.us / s.us;
		const perChange = b.us / Math.max(1, b.changes) / (s.us / Math.max(1, s.changes));
		worst = Math.max(worst, ratio);
		worstPerChange = Math.max(worstPerChange, perChange);
		console.log(
			`  ${name.padEnd(33)} ${s.us.toFixed(2).padStart(11)} ${b.us.toFixed(2).padStart(17)} ${ratio.toFixed(2).padStart(11)} ${perChange.toFixed(2).padStart(12)}   ${s.changes} / ${b.changes} (${s.verdict} / ${b.verdict})`
		);
	}
	console.log(
		`  check cost ratio (10,000-user / 10-user, worst mutation): ${worst.toFixed(2)}; per change of the mutation: ${worstPerChange.toFixed(2)}`
	);
	console.log('  (deleting a team removes each of its members: ~50 in the big organization against ~4, so that change itself is larger)');
}

/** Preview (docs/rules.md): who gains and loses what if the demo organization's biggest team were deleted; median of several runs against the ≤ 10 ms target. */
function runPreviewCost({ state, users }: ReturnType<typeof build>) {
	// Picking the biggest team scans the teams once, outside what is timed.
	const team = state.teams().reduce((a, b) => (state.teamMemberCount(b.id) > state.teamMemberCount(a.id) ? b : a));
	const mutation: Mutation = { type: 'team.delete', orgId: DEMO_ORG_ID, teamId: team.id };
	const ctx = { actorId: users[0]!.id, now: 0 };
	for (let i = 0; i < 10; i++) previewMutations(state, ctx, [mutation]); // warm-up
	const times: number[] = [];
	let losses = 0;
	for (let i = 0; i < 25; i++) {
		const start = process.hrtime.bigint();
		losses = previewMutations(state, ctx, [mutation]).losses.length;
		times.push(Number(process.hrtime.bigint() - start) / 1e6);
	}
	const median = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
	console.log(
		`\nPreview of deleting the biggest team (${team.name}: ${state.teamMemberCount(team.id)} members, ${state.projectsOfTeam(team.id).length} projects) in the ${DEMO_SIZE.users}-user organization: median ${median.toFixed(2)} ms over ${times.length} runs (target ≤ 10 ms) — ${losses} losses`
	);
}

const demo = build(DEMO_SIZE);
runCheckCost(demo);
runPreviewCost(demo);
