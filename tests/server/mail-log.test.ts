import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestServer, signUp } from './test-client.ts';

const t = new TestServer();
beforeAll(() => t.start());
afterAll(() => t.stop());

const mailLog = (cookie: string, org: string, base = t.base) => fetch(new URL(`/api/mail-log?org=${org}`, base), { headers: { cookie } });

it('shows the primary admin only the mail its organization sent (rules §4, development without SMTP)', async () => {
	const alice = await t.user('alice');
	const bob = await t.user('bob');
	await t.user('carol');
	await alice.client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' });
	await alice.client.mutate({ type: 'member.add', orgId: 'acme', username: 'bob', role: 'ORG_OWNER' });
	await alice.client.mutate({ type: 'member.invite', orgId: 'acme', inviteId: 'i1', email: 'dana@example.org', role: 'ORG_MEMBER' });

	// Another organization invites the same address; its mail is not Acme's to read.
	await bob.client.mutate({ type: 'org.create', orgId: 'other', name: 'Other' });
	await bob.client.mutate({ type: 'member.invite', orgId: 'other', inviteId: 'i2', email: 'dana@example.org', role: 'ORG_MEMBER' });
	const res = await mailLog(alice.cookie, 'acme');
	expect(res.status).toBe(200);
	const { mails } = (await res.json()) as { mails: { to: string; subject: string; text: string }[] };
	// The invitation only: verification links (which would let an admin verify someone's address) never show.
	expect(mails.map((m) => [m.to, m.subject])).toEqual([['dana@example.org', 'alice invited you to Acme on Roster']]);
	expect(mails[0]!.text).toContain('/signup?email=');

	// Another owner is not the primary admin; a stranger learns nothing either.
	expect(await (await mailLog(bob.cookie, 'acme')).json()).toMatchObject({ code: 'FORBIDDEN' });
	expect((await mailLog(bob.cookie, 'nope')).status).toBe(403);
	expect((await fetch(new URL('/api/mail-log?org=acme', t.base))).status).toBe(401);
});

it('has no mail log to show when mail goes through SMTP (and sign-up survives a mail server that is down)', async () => {
	const smtp = await new TestServer({ smtpUrl: 'smtp://127.0.0.1:9' }).start();
	try {
		// Nothing listens on port 9: the verification mail fails, and the account is made all the same.
		const { cookie } = await signUp(smtp.base, 'alice');
		expect(await (await mailLog(cookie, 'acme', smtp.base)).json()).toMatchObject({ code: 'NO_MAIL_LOG' });
	} finally {
		await smtp.stop();
	}
});
