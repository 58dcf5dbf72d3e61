import { describe, expect, it } from 'vitest';
import type { EntryNames } from '$lib/domain/index.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';
import { joinedBefore, signUp, verifyEmail } from './test-client.ts';

const ok = { t: 'verdict', ok: true };
const t = serverForEachTest();

interface Entry {
	type: string;
	ok: boolean;
	actor: { id: string; username: string };
	mutation: Record<string, unknown>;
	names: EntryNames | null;
}

async function feed(cookie: string, org = 'acme'): Promise<Entry[]> {
	const res = await fetch(new URL(`/api/activity?org=${org}`, t.base), { headers: { cookie } });
	expect(res.status).toBe(200);
	return ((await res.json()) as { entries: Entry[] }).entries;
}

describe('the activity feed', () => {
	it('names what each entry acted on as it was then, not as it is now', async () => {
		const { alice, bob } = await orgWith(t, {
			members: { bob: 'ORG_MEMBER' },
			teams: [{ id: 't-front', name: 'Frontend', members: ['bob'] }]
		});
		const act = (m: Record<string, unknown>) => alice.client.mutate({ orgId: 'acme', ...m });
		expect(await act({ type: 'team.rename', teamId: 't-front', name: 'Web' })).toMatchObject(ok);
		expect(await act({ type: 'team.delete', teamId: 't-front' })).toMatchObject(ok);
		expect(await act({ type: 'member.remove', userId: bob.user.id })).toMatchObject(ok);
		// Refused: the team is gone, so nothing names it; the entry keeps its actor.
		expect(await act({ type: 'team.rename', teamId: 't-front', name: 'Again' })).toMatchObject({ ok: false, code: 'TEAM_NOT_FOUND' });

		const [again, removed, deleted, renamed, added] = await feed(alice.cookie);
		expect(again).toMatchObject({ type: 'team.rename', ok: false, names: { actor: 'alice' } });
		expect(again!.names).not.toHaveProperty('team');
		expect(removed).toMatchObject({
			type: 'member.remove',
			actor: { id: alice.user.id, username: 'alice' },
			names: { actor: 'alice', user: { [bob.user.id]: 'bob' } }
		});
		expect(deleted).toMatchObject({ type: 'team.delete', names: { actor: 'alice', team: { 't-front': 'Web' } } });
		expect(renamed).toMatchObject({
			type: 'team.rename',
			mutation: { teamId: 't-front', name: 'Web' },
			names: { actor: 'alice', team: { 't-front': 'Frontend' } }
		});
		expect(added).toMatchObject({
			type: 'team.addMember',
			names: { actor: 'alice', user: { [bob.user.id]: 'bob' }, team: { 't-front': 'Frontend' } }
		});
	});

	it('says so when Roster acted on a user’s behalf: an invitation accepted on verifying the address', async () => {
		const { alice } = await orgWith(t, { verified: true });
		const invite = { type: 'member.invite', orgId: 'acme', inviteId: 'i-1', email: 'nia@example.org', role: 'ORG_MEMBER' };
		expect(await alice.client.mutate(invite)).toMatchObject(ok);
		const nia = await signUp(t.base, 'nia', 'nia@example.org');
		await verifyEmail(t.dataDir, 'nia@example.org');
		const [accepted] = await feed(alice.cookie);
		expect(accepted).toMatchObject({
			type: 'invite.accept',
			actor: { id: nia.user.id, username: 'nia' },
			names: { actor: 'nia', by: 'Roster accepted it when they verified their email address.' }
		});
	});

	it('says so when Roster took a deleted managed user out of another organization, and keeps its name', async () => {
		const { alice } = await orgWith(t, {});
		const bob = await t.user('bob');
		const created = await fetch(new URL('/api/managed-users', t.base), {
			method: 'POST',
			headers: { 'content-type': 'application/json', cookie: alice.cookie },
			body: JSON.stringify({ org: 'acme', username: 'mia', email: 'mia@example.com', password: 'a first password', role: 'ORG_MEMBER' })
		});
		const mia = ((await created.json()) as { user: { id: string } }).user;
		expect(await bob.client.mutate({ type: 'org.create', orgId: 'bobco', name: 'Bob Co' })).toMatchObject(ok);
		// bob's organization has mia too, as older code allowed.
		await joinedBefore(t.server, 'bobco', mia.id, 'ORG_MEMBER');
		const deleted = await fetch(new URL('/api/managed-users', t.base), {
			method: 'DELETE',
			headers: { 'content-type': 'application/json', cookie: alice.cookie },
			body: JSON.stringify({ userId: mia.id })
		});
		expect(deleted.status).toBe(200);
		const [left] = await feed(bob.cookie, 'bobco');
		// The account is gone, yet the entry names mia as she was.
		expect(left).toMatchObject({
			type: 'member.leave',
			actor: { id: mia.id, username: 'mia' },
			names: { actor: 'mia', by: 'Roster did this when the organization that manages the account deleted it.' }
		});
		const [removed] = await feed(alice.cookie);
		expect(removed).toMatchObject({ type: 'member.deleteManaged', names: { actor: 'alice', user: { [mia.id]: 'mia' } } });
		expect(removed!.names).not.toHaveProperty('by');
	});
});
