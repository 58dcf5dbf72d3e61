import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UserProfile } from '$lib/domain/index.ts';
import { orgDocId } from '$lib/protocol/messages.ts';
import { openSqlite } from '../../sync-server/storage/sqlite.ts';
import { PASSWORD, cookieOf, joinedBefore, post, verifyEmail } from './test-client.ts';
import { serverForEachTest } from './fixtures.ts';
import { row } from './store-sql.ts';
import { testStore } from './test-store.ts';

const ok = { t: 'verdict', ok: true };
const FIRST = 'a first password';
const NEXT = 'a second password';

const t = serverForEachTest();

function send(method: string, path: string, cookie: string, body: unknown) {
	return fetch(new URL(path, t.base), {
		method,
		headers: { 'content-type': 'application/json', cookie },
		body: JSON.stringify(body)
	});
}
const create = (cookie: string, body: object) => send('POST', '/api/managed-users', cookie, body);
const update = (cookie: string, body: object) => send('PATCH', '/api/managed-users', cookie, body);
const reset = (cookie: string, userId: string, password: string) =>
	send('POST', '/api/managed-users/password', cookie, { userId, password });
const remove = (cookie: string, userId: string) => send('DELETE', '/api/managed-users', cookie, { userId });
const signIn = (username: string, password: string) => post(t.base, '/api/signin', { username, password });

async function refusal(res: Response, status: number, code: string) {
	const body = (await res.json()) as { code: string; message: string };
	expect({ status: res.status, code: body.code }).toEqual({ status, code });
	expect(body.message).toMatch(/^\S.{10,}$/);
	return body.message;
}

/** ann is the primary admin of Acme, bob an owner; both connected. */
async function acme() {
	const ann = await t.user('ann');
	const bob = await t.user('bob');
	expect(await ann.client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject(ok);
	expect(await ann.client.mutate({ type: 'member.add', orgId: 'acme', username: 'bob', role: 'ORG_OWNER' })).toMatchObject(ok);
	return { ann, bob };
}

async function createMia(cookie: string, role = 'ORG_MEMBER') {
	const res = await create(cookie, { org: 'acme', username: 'mia', email: 'mia@example.com', password: FIRST, role });
	expect(res.status).toBe(201);
	return ((await res.json()) as { user: UserProfile }).user;
}

describe('managed users', () => {
	it('the primary admin creates one: a member at once, marked managed, who signs in with the first password', async () => {
		const { ann } = await acme();
		const mia = await createMia(ann.cookie, 'ORG_BILLING_ADMIN');
		expect(mia).toMatchObject({ username: 'mia', emailVerified: false, managedBy: 'acme' });
		expect(await row(t.server, 'select managed_by from users where id = ?', mia.id)).toEqual({ managed_by: 'acme' });
		await ann.client.until(() => ann.client.org('acme').members[mia.id] !== undefined);
		expect(ann.client.org('acme').members[mia.id]).toMatchObject({ role: 'ORG_BILLING_ADMIN', managedBy: 'acme' });

		expect((await signIn('mia', PASSWORD)).status).toBe(401);
		const res = await signIn('mia', FIRST);
		expect(res.status).toBe(200);
		const client = await t.connect(cookieOf(res));
		expect(client.welcome().docs).toContain(orgDocId('acme'));
		// mLab: the new user gets a verification request; verifying keeps it managed.
		await verifyEmail(t.dataDir, 'mia@example.com');
		await ann.client.until(() => ann.client.org('acme').members[mia.id]?.emailVerified === true);
		expect(ann.client.org('acme').members[mia.id]?.managedBy).toBe('acme');
	});

	it('the primary admin updates its profile, and the member copy follows', async () => {
		const { ann } = await acme();
		const mia = await createMia(ann.cookie);
		const res = await update(ann.cookie, { userId: mia.id, username: 'mia.s', displayName: 'Mia S', email: 'mia.s@example.com' });
		expect(res.status).toBe(200);
		expect(((await res.json()) as { user: UserProfile }).user).toMatchObject({
			username: 'mia.s',
			displayName: 'Mia S',
			email: 'mia.s@example.com'
		});
		await ann.client.until(() => ann.client.org('acme').members[mia.id]?.email === 'mia.s@example.com');
		expect(ann.client.org('acme').members[mia.id]).toMatchObject({ username: 'mia.s', displayName: 'Mia S', emailVerified: false });
		expect(await verifyEmail(t.dataDir, 'mia.s@example.com')).toContain('verified=1');
		await refusal(await update(ann.cookie, { userId: mia.id, username: 'bob' }), 409, 'USERNAME_TAKEN');
	});

	it('resetting the password ends every session of the user and closes its sockets', async () => {
		const { ann } = await acme();
		const mia = await createMia(ann.cookie);
		const session = cookieOf(await signIn('mia', FIRST));
		const client = await t.connect(session);
		expect((await reset(ann.cookie, mia.id, NEXT)).status).toBe(200);
		expect((await client.closed).code).toBe(4401);
		expect((await fetch(new URL('/api/me', t.base), { headers: { cookie: session } })).status).toBe(401);
		expect((await signIn('mia', FIRST)).status).toBe(401);
		expect((await signIn('mia', NEXT)).status).toBe(200);
	});

	it('deleting removes it from every organization, its teams and projects, ends its sessions, and deletes the account', async () => {
		const { ann, bob } = await acme();
		const mia = await createMia(ann.cookie);
		expect(await ann.client.mutate({ type: 'team.create', orgId: 'acme', teamId: 'ops', name: 'Ops' })).toMatchObject(ok);
		expect(await ann.client.mutate({ type: 'team.addMember', orgId: 'acme', teamId: 'ops', userId: mia.id })).toMatchObject(ok);
		// bob's own organization has mia too, as older code allowed (today: MANAGED_ELSEWHERE, see cross-org.test.ts).
		expect(await bob.client.mutate({ type: 'org.create', orgId: 'bobco', name: 'Bob Co' })).toMatchObject(ok);
		await joinedBefore(t.server, 'bobco', mia.id, 'ORG_MEMBER');
		const client = await t.connect(cookieOf(await signIn('mia', FIRST)));

		expect((await remove(ann.cookie, mia.id)).status).toBe(200);
		expect((await client.closed).code).toBe(4401);
		await ann.client.until(() => ann.client.org('acme').members[mia.id] === undefined);
		await bob.client.until(() => bob.client.org('bobco').members[mia.id] === undefined);
		expect(await t.server.accounts.user(mia.id)).toBeUndefined();
		expect(await t.server.documents.docsOf(mia.id)).toEqual([]);
		expect(await row(t.server, 'select cast(count(*) as integer) as n from sessions where user_id = ?', mia.id)).toEqual({ n: 0 });
		expect((await t.server.hub.orgState('acme'))!.teamMemberIds('ops')).toEqual([]);
		expect((await signIn('mia', FIRST)).status).toBe(401);
		// The username is free again.
		expect((await createMia(ann.cookie)).id).not.toBe(mia.id);
	});

	it('deleting is refused, changing nothing, when an organization would break an invariant', async () => {
		const { ann, bob } = await acme();
		const mia = await createMia(ann.cookie);
		const cookie = cookieOf(await signIn('mia', FIRST));
		// mia is the primary admin of an organization of her own, as older code allowed: she cannot leave it.
		expect(await bob.client.mutate({ type: 'org.create', orgId: 'miaco', name: 'Mia Co' })).toMatchObject(ok);
		await joinedBefore(t.server, 'miaco', mia.id, 'ORG_OWNER');
		const miaCo = async () => (await t.server.hub.orgState('miaco'))!.org()!;
		await t.server.hub.applyServerChanges('miaco', [{ kind: 'org.put', org: { ...(await miaCo()), primaryAdminId: mia.id } }]);
		const message = await refusal(await remove(ann.cookie, mia.id), 409, 'PRIMARY_ADMIN_LEAVE');
		expect(message).toMatch(/^mia cannot be deleted yet: it holds a role in another organization/);
		// Which one, and its projects, are not the managing admin's to read (invariant 10).
		expect(message).not.toContain('Mia Co');
		expect(await t.server.accounts.user(mia.id)).toBeDefined();
		expect((await t.server.hub.orgState('acme'))!.member(mia.id)).toBeDefined();
		expect((await fetch(new URL('/api/me', t.base), { headers: { cookie } })).status).toBe(200);

		// In the managing organization: the last owner of a project.
		await t.server.hub.applyServerChanges('miaco', [{ kind: 'org.put', org: { ...(await miaCo()), status: 'closed' } }]);
		expect(await ann.client.mutate({ type: 'project.create', orgId: 'acme', projectId: 'apollo', name: 'Apollo' })).toMatchObject(ok);
		expect(
			await ann.client.mutate({ type: 'project.addUser', orgId: 'acme', projectId: 'apollo', username: 'mia', roles: ['PROJECT_OWNER'] })
		).toMatchObject(ok);
		expect(
			await ann.client.mutate({
				type: 'project.addUser',
				orgId: 'acme',
				projectId: 'apollo',
				username: 'bob',
				roles: ['PROJECT_READ_ONLY']
			})
		).toMatchObject(ok);
		expect(await ann.client.mutate({ type: 'project.removeUser', orgId: 'acme', projectId: 'apollo', userId: ann.user.id })).toMatchObject(
			ok
		);
		await refusal(await remove(ann.cookie, mia.id), 409, 'LAST_PROJECT_OWNER');
		expect(await t.server.accounts.user(mia.id)).toBeDefined();
	});

	it('anyone but the primary admin of the managing organization is refused with a code and a sentence', async () => {
		const { ann, bob } = await acme();
		const mia = await createMia(ann.cookie);
		const eve = await t.user('eve');
		const carl = await t.user('carl');
		expect(await eve.client.mutate({ type: 'org.create', orgId: 'evil', name: 'Evil' })).toMatchObject(ok);

		await refusal(
			await create(bob.cookie, { org: 'acme', username: 'nia', email: 'nia@example.com', password: FIRST, role: 'ORG_MEMBER' }),
			403,
			'FORBIDDEN'
		);
		await refusal(
			await create(eve.cookie, { org: 'acme', username: 'nia', email: 'nia@example.com', password: FIRST, role: 'ORG_MEMBER' }),
			403,
			'NOT_A_MEMBER'
		);
		for (const cookie of [bob.cookie, eve.cookie]) {
			const code = cookie === bob.cookie ? 'FORBIDDEN' : 'NOT_A_MEMBER';
			await refusal(await update(cookie, { userId: mia.id, displayName: 'Hacked' }), 403, code);
			await refusal(await reset(cookie, mia.id, NEXT), 403, code);
			await refusal(await remove(cookie, mia.id), 403, code);
		}
		// A user who signed up himself is nobody's to manage, not even the primary admin's of his organization.
		await refusal(await reset(ann.cookie, bob.user.id, NEXT), 404, 'NOT_MANAGED');
		await refusal(await remove(ann.cookie, carl.user.id), 404, 'NOT_MANAGED');
		// Managed users cannot be made or deleted by a raw mutation: those need their account rows.
		for (const mutation of [
			{ type: 'member.addManaged', orgId: 'acme', userId: mia.id, role: 'ORG_MEMBER' },
			{ type: 'member.deleteManaged', orgId: 'acme', userId: mia.id }
		]) {
			expect(await ann.client.mutate(mutation)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
		}
		expect(await t.server.accounts.userByUsername('nia')).toBeUndefined();
		expect(await t.server.accounts.user(mia.id)).toMatchObject({ displayName: '' });
		expect((await signIn('mia', FIRST)).status).toBe(200);
	});

	it('bad input gets 400 with a sentence, and nothing changes', async () => {
		const { ann } = await acme();
		const mia = await createMia(ann.cookie);
		const good = { org: 'acme', username: 'nia', email: 'nia@example.com', password: FIRST, role: 'ORG_MEMBER' };
		const cases: [() => Promise<Response>, RegExp][] = [
			[() => create(ann.cookie, { ...good, username: 'No Spaces' }), /username is 3–32 characters/],
			[() => create(ann.cookie, { ...good, email: 'nope' }), /valid email/],
			[() => create(ann.cookie, { ...good, password: 'short' }), /at least 12 characters/],
			[() => create(ann.cookie, { ...good, role: 'ORG_GOD' }), /.+/],
			[() => create(ann.cookie, { ...good, org: '../x' }), /Not a valid id/],
			[() => update(ann.cookie, { userId: mia.id }), /username, display name or email/],
			[() => update(ann.cookie, { userId: mia.id, email: 'nope' }), /valid email/],
			[() => reset(ann.cookie, mia.id, 'short'), /at least 12 characters/],
			[() => send('DELETE', '/api/managed-users', ann.cookie, null), /JSON object/]
		];
		for (const [request, message] of cases) expect(await refusal(await request(), 400, 'INVALID_INPUT')).toMatch(message);
		await refusal(await create(ann.cookie, { ...good, username: 'bob' }), 409, 'USERNAME_TAKEN');
		expect(await t.server.accounts.userByUsername('nia')).toBeUndefined();
		expect(await t.server.accounts.user(mia.id)).toMatchObject({ username: 'mia', email: 'mia@example.com' });
		expect((await signIn('mia', FIRST)).status).toBe(200);
		expect(Object.keys((await t.server.hub.orgState('acme'))!.members())).toHaveLength(3);
	});
});

// Upgrades an SQLite file made before the column: a run on PostgreSQL has no such file.
describe.skipIf(testStore() === 'postgres')('the store', () => {
	it('adds the managed_by column to a store made before it, keeping its users', () => {
		const dir = mkdtempSync(join(tmpdir(), 'roster-old-store-'));
		try {
			const old = new Database(join(dir, 'roster.sqlite'));
			old.exec(`create table users (id text primary key, username text not null unique collate nocase, email text not null,
				email_verified integer not null default 0, display_name text not null default '', password_hash text not null, created_at integer not null);
				insert into users values ('u1', 'old', 'old@example.com', 1, '', 'x', 0);`);
			old.close();
			const sqlite = openSqlite(dir);
			const store = sqlite.accounts;
			expect(store.user('u1')).toMatchObject({ username: 'old', emailVerified: true });
			expect(store.user('u1')?.managedBy).toBeUndefined();
			store.insertUser(
				{
					id: 'u2',
					username: 'new',
					email: 'new@example.com',
					emailVerified: false,
					displayName: '',
					passwordHash: 'x',
					managedBy: 'acme'
				},
				0
			);
			expect(store.user('u2')?.managedBy).toBe('acme');
			sqlite.close();
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
