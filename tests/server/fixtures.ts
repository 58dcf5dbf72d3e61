import { afterEach, beforeEach, expect } from 'vitest';
import type { OrgRole, ProjectRole } from '$lib/domain/index.ts';
import { projectDocId } from '$lib/protocol/messages.ts';
import type { ServerOptions } from '../../sync-server/server.ts';
import { TestServer, verifyEmail } from './test-client.ts';

/** A signed-up user with its session cookie and a synced connection. */
export type User = Awaited<ReturnType<TestServer['user']>>;

const ok = { t: 'verdict', ok: true };

/**
 * A fresh server (and data directory) for each test of the file: the hooks are registered here,
 * after the file's own (a clock reset there is in place), and the object returned stands for the
 * current test's server. `options` hold across restarts; as a function, it is asked for each test.
 */
export function serverForEachTest(options: Partial<ServerOptions> | (() => Partial<ServerOptions>) = {}): TestServer {
	let current: TestServer | undefined;
	beforeEach(async () => {
		current = await new TestServer(typeof options === 'function' ? options() : options).start();
	});
	afterEach(() => current?.stop());
	return new Proxy({} as TestServer, {
		get(_, key) {
			if (!current) throw new Error('no test server outside a test');
			const value: unknown = Reflect.get(current, key);
			return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(current) : value;
		}
	});
}

export interface OrgSpec<A extends string, K extends string> {
	/** Default `acme`, named `Acme`. */
	id?: string;
	name?: string;
	/** Who creates it and is its primary admin; default `alice`. */
	admin?: A;
	/** Verify the admin's address first (needed to accept transfers, invitations by email). */
	verified?: boolean;
	/** Everyone else, added live by username with this role; each waits until it sees itself a member. */
	members?: Record<K, OrgRole>;
	/** Teams the admin creates (named as their id unless given), with the members placed in them. */
	teams?: { id: string; name?: string; members?: readonly K[] }[];
	/** Projects the admin creates (and so owns), with the members added to them and their roles. */
	projects?: { id: string; name?: string; users?: Partial<Record<K, ProjectRole[]>> }[];
}

/**
 * An organization as a test needs it, built over the wire (every rule applies): the admin
 * creates it, adds the members, teams and projects. Answers every user, signed in and synced.
 */
export async function orgWith<A extends string = 'alice', K extends string = never>(
	t: TestServer,
	spec: OrgSpec<A, K> = {}
): Promise<Record<A | K, User>> {
	const orgId = spec.id ?? 'acme';
	const adminName = spec.admin ?? ('alice' as A);
	const admin = await t.user(adminName);
	if (spec.verified) await verifyEmail(t.dataDir, admin.user.email);
	const accepted = async (mutation: Record<string, unknown>) => expect(await admin.client.mutate({ orgId, ...mutation })).toMatchObject(ok);
	await accepted({ type: 'org.create', name: spec.name ?? 'Acme' });
	const users = { [adminName]: admin } as Record<A | K, User>;
	for (const [username, role] of Object.entries(spec.members ?? {}) as [K, OrgRole][]) {
		const u = (users[username] = await t.user(username));
		await accepted({ type: 'member.add', username, role });
		await u.client.until(() => u.client.org(orgId).members[u.user.id] !== undefined);
	}
	for (const { id: teamId, name, members = [] } of spec.teams ?? []) {
		await accepted({ type: 'team.create', teamId, name: name ?? teamId });
		for (const username of members) await accepted({ type: 'team.addMember', teamId, userId: users[username].user.id });
	}
	for (const { id: projectId, name, users: roles = {} } of spec.projects ?? []) {
		await accepted({ type: 'project.create', projectId, name: name ?? projectId });
		for (const [username, r] of Object.entries(roles) as [K, ProjectRole[]][])
			await accepted({ type: 'project.addUser', projectId, username, roles: r });
		await admin.client.until(() => admin.client.docs.has(projectDocId(orgId, projectId)));
	}
	return users;
}
