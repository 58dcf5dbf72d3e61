import { beforeEach, describe, expect, it } from 'vitest';
import { ReportIndex, type AccessDiff, type AccessReport } from '$lib/domain/index.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';
import { api, createAccount, createSecret, refusal } from './service-account-client.ts';

/**
 * rules §2 "History" over real sockets and the store, with the server's clock set by the test:
 * changes made at t1, t2 and t3 are read back as of each moment, and between them.
 */
const T1 = Date.UTC(2026, 2, 1, 9, 0, 0);
const T2 = T1 + 3_600_000;
const T3 = T2 + 3_600_000;
let now: number;
beforeEach(() => {
	now = T1;
});
const t = serverForEachTest({ now: () => now });

const ok = { t: 'verdict', ok: true };

async function history(cookie: string, query: string) {
	return fetch(new URL(`/api/orgs/acme/history${query}`, t.base), { headers: { cookie } });
}

async function report(cookie: string, at: number): Promise<AccessReport> {
	const res = await history(cookie, `?at=${at}`);
	expect(res.status, await res.clone().text()).toBe(200);
	return (await res.json()) as AccessReport;
}

const roles = (r: AccessReport) => {
	const index = new ReportIndex(r);
	return Object.fromEntries(r.members.map((m) => [m.username, [m.role, ...m.teams.map(index.teamName)].join(' ')]));
};
const access = (r: AccessReport) => {
	const index = new ReportIndex(r);
	return index.projectAccess(r.projects[0]!).map((a) => [index.username(a.userId), a.roles.join(' ')]);
};

/** An organization made at t1; bob made read-only at t2, then taken out of Ops at t3. */
async function changedTwice() {
	const users = await orgWith<'alice', 'bob' | 'carol' | 'dave'>(t, {
		members: { bob: 'ORG_MEMBER', carol: 'ORG_READ_ONLY', dave: 'ORG_MEMBER' },
		teams: [{ id: 'ops', name: 'Ops', members: ['bob'] }]
	});
	const { alice, bob } = users;
	expect(await alice.client.mutate({ type: 'project.create', orgId: 'acme', projectId: 'apollo', name: 'Apollo' })).toMatchObject(ok);
	const assign = { type: 'project.addTeam', orgId: 'acme', projectId: 'apollo', teamId: 'ops', roles: ['PROJECT_CLUSTER_MANAGER'] };
	expect(await alice.client.mutate(assign)).toMatchObject(ok);
	now = T2;
	expect(await alice.client.mutate({ type: 'member.setRole', orgId: 'acme', userId: bob.user.id, role: 'ORG_READ_ONLY' })).toMatchObject(
		ok
	);
	now = T3;
	expect(await alice.client.mutate({ type: 'team.removeMember', orgId: 'acme', teamId: 'ops', userId: bob.user.id })).toMatchObject(ok);
	now = T3 + 60_000;
	return users;
}

describe('history over HTTP (rules §2 "History")', () => {
	it('answers the organization as it was at each moment, and what changed between two, by whose mutation', async () => {
		const { alice, carol, bob } = await changedTwice();
		const at1 = await report(alice.cookie, T1 + 1);
		expect(roles(at1)).toEqual({ alice: 'ORG_OWNER', bob: 'ORG_MEMBER Ops', carol: 'ORG_READ_ONLY', dave: 'ORG_MEMBER' });
		expect(at1.since).toBe(T1);
		expect(access(at1)).toEqual([
			['alice', 'PROJECT_OWNER'],
			['bob', 'PROJECT_CLUSTER_MANAGER']
		]);
		expect(roles(await report(alice.cookie, T2))).toMatchObject({ bob: 'ORG_READ_ONLY Ops' });
		// A read-only member reads it too; bob's access at t3 is its role alone.
		const at3 = await report(carol.cookie, T3);
		expect(roles(at3)).toMatchObject({ bob: 'ORG_READ_ONLY' });
		expect(access(at3)).toEqual([['alice', 'PROJECT_OWNER']]);

		const res = await history(alice.cookie, `/diff?from=${T1 + 1}&to=${T3}`);
		expect(res.status).toBe(200);
		const diff = (await res.json()) as AccessDiff;
		expect(
			diff.lines.map((l) => {
				const f = l.fact;
				const what =
					f.kind === 'orgRole' ? f.role : f.kind === 'team' ? f.team.name : f.kind === 'projectRole' ? `${f.project.name} ${f.role}` : '';
				return [l.change, f.kind, what, l.by?.username, l.by?.type, l.by?.at];
			})
		).toEqual([
			['lost', 'orgRole', 'ORG_MEMBER', 'alice', 'member.setRole', T2],
			['gained', 'orgRole', 'ORG_READ_ONLY', 'alice', 'member.setRole', T2],
			['lost', 'team', 'Ops', 'alice', 'team.removeMember', T3],
			['lost', 'projectRole', 'Apollo PROJECT_CLUSTER_MANAGER', 'alice', 'team.removeMember', T3]
		]);
		expect(
			diff.lines.every((l) => l.by?.by === alice.user.id && l.fact.kind !== 'invitation' && l.fact.person.userId === bob.user.id)
		).toBe(true);
		expect(diff.lines[0]!.by!.mutationId).toMatch(/\S/);
	});

	it('refuses members who may not read it, with a sentence, and bad, future or too early moments', async () => {
		const { alice, dave } = await changedTwice();
		const message = await refusal(await history(dave.cookie, `?at=${T2}`), 403, 'FORBIDDEN');
		expect(message).toBe("Only organization owners and read-only members may read the organization's history.");
		await refusal(await history(dave.cookie, `/diff?from=${T1}&to=${T2}`), 403, 'FORBIDDEN');
		expect(await refusal(await history(alice.cookie, '?at=yesterday'), 400, 'INVALID_INPUT')).toMatch(/milliseconds since 1970/);
		await refusal(await history(alice.cookie, ''), 400, 'INVALID_INPUT');
		// Empty is no moment at all, not the first one there is.
		expect(await refusal(await history(alice.cookie, '?at='), 400, 'INVALID_INPUT')).toMatch(/Give `at`/);
		expect(await refusal(await history(alice.cookie, '?at=%20'), 400, 'INVALID_INPUT')).toMatch(/Give `at`/);
		await refusal(await history(alice.cookie, '?at=1.5'), 400, 'INVALID_INPUT');
		await refusal(await history(alice.cookie, '?at=-1'), 400, 'INVALID_INPUT');
		await refusal(await history(alice.cookie, '?at=1e400'), 400, 'INVALID_INPUT');
		expect(await refusal(await history(alice.cookie, `?at=${now + 1}`), 400, 'MOMENT_IN_FUTURE')).toMatch(/in the future/);
		expect(await refusal(await history(alice.cookie, `?at=${T1 - 1}`), 409, 'BEFORE_HISTORY')).toContain(new Date(T1).toISOString());
		await refusal(await history(alice.cookie, `/diff?from=${T3}&to=${T2}`), 400, 'BAD_RANGE');
		await refusal(await history(alice.cookie, `/diff?from=${T1 - 1}&to=${T2}`), 409, 'BEFORE_HISTORY');
		await refusal(await history(alice.cookie, `/diff?from=${T1}&to=${now + 1}`), 400, 'MOMENT_IN_FUTURE');
		// Still answers after all that.
		expect((await report(alice.cookie, T2)).members).toHaveLength(4);
	});

	it('builds one replay per user and per organization at a time: a second ask of the same user is turned away, another user waits its turn', async () => {
		const { alice, carol } = await changedTwice();
		// The store's log reads are held until the test lets them go, so the first replay is still running when the others ask.
		const documents = t.server.documents;
		const read = documents.history.bind(documents);
		let reads = 0;
		let release!: () => void;
		const held = new Promise<void>((r) => (release = r));
		documents.history = async (...args) => {
			reads++;
			await held;
			return read(...args);
		};
		const first = history(carol.cookie, `?at=${T2}`);
		await expect.poll(() => reads).toBe(1);
		const message = await refusal(await history(carol.cookie, `/diff?from=${T1}&to=${T2}`), 429, 'RATE_LIMITED');
		expect(message).toBe('A history report you asked for is still being built: wait for it before asking for another.');
		// Alice asks for the same organization: she waits for carol's replay to end rather than running a second one beside it.
		const second = history(alice.cookie, `?at=${T3}`);
		await new Promise((r) => setTimeout(r, 50));
		expect(reads).toBe(1);
		release();
		expect((await first).status).toBe(200);
		expect((await second).status).toBe(200);
		expect(reads).toBeGreaterThan(1);
	});

	it('answers service accounts of owners and read-only members through the HTTP API, and refuses others', async () => {
		const { alice } = await changedTwice();
		const reader = await createAccount(t, alice.cookie, { username: 'audit-bot', role: 'ORG_READ_ONLY' });
		const member = await createAccount(t, alice.cookie, { username: 'plain-bot', role: 'ORG_MEMBER' });
		const secret = (await createSecret(t, alice.cookie, reader)).secret;
		const got = await api(t, secret, 'GET', `/api/v1/orgs/acme/history?at=${T2}`);
		expect(got.status).toBe(200);
		expect(roles((await got.json()) as AccessReport)).toMatchObject({ bob: 'ORG_READ_ONLY Ops' });
		const diff = await api(t, secret, 'GET', `/api/v1/orgs/acme/history/diff?from=${T2}&to=${T3}`);
		expect(((await diff.json()) as AccessDiff).lines.map((l) => l.change)).toEqual(['lost', 'lost']);
		await refusal(await api(t, secret, 'GET', `/api/v1/orgs/acme/history?at=${T2}&extra=1`), 400, 'INVALID_INPUT');
		const refused = await api(t, (await createSecret(t, alice.cookie, member)).secret, 'GET', `/api/v1/orgs/acme/history?at=${T2}`);
		await refusal(refused, 403, 'FORBIDDEN');
	});
});
