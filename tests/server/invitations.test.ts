import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { orgMaps, projectMaps } from '$lib/domain/index.ts';
import { orgDocId, projectDocId } from '$lib/protocol/messages.ts';
import { SmtpMailer } from '../../sync-server/mail.ts';
import { PASSWORD, cookieOf, post, signUp, verificationLink, verifyEmail } from './test-client.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';
import { mails as mailLog, untilMail } from './mail.ts';

const ORG = 'acme';
const APOLLO = 'p-apollo';
const ok = { t: 'verdict', ok: true };

const t = serverForEachTest();

const mails = (to: string) => mailLog(t.dataDir, to);
const until = (predicate: () => boolean) => untilMail(t.dataDir, predicate);

/** Alice's organization with project Apollo, and her verified address. */
async function acme() {
	const { alice } = await orgWith(t, { id: ORG, verified: true, projects: [{ id: APOLLO, name: 'Apollo' }] });
	return alice;
}

describe('invitations over the wire', () => {
	it('a project invitation is mailed; signing up with the address and verifying it lands in the project', async () => {
		const alice = await acme();
		const invite = {
			type: 'project.invite',
			orgId: ORG,
			projectId: APOLLO,
			inviteId: 'inv-new-1',
			email: 'New.Person@example.org',
			roles: ['PROJECT_CLUSTER_MANAGER']
		};
		expect(await alice.client.mutate(invite)).toMatchObject(ok);
		await until(() => mails('New.Person@example.org').length === 1);
		const [mail] = mails('New.Person@example.org');
		expect(mail!.subject).toBe('alice invited you to project Apollo in Acme on Roster');
		expect(mail!.text).toContain(`${t.base.replace('127.0.0.1', 'localhost')}/signup?email=New.Person%40example.org`);

		// Signing up does not accept yet: the address is unproven.
		const { cookie, user } = await signUp(t.base, 'newbie', 'new.person@example.org');
		const newbie = await t.connect(cookie);
		expect(newbie.welcome().docs).toEqual([]);
		const doc = () => alice.client.docs.get(projectDocId(ORG, APOLLO))!;
		expect([...projectMaps(doc()).invitations.values()].map((i) => i.email)).toEqual(['New.Person@example.org']);

		// Verifying does, atomically: member, project roles, invitation gone; the redirect leads to the project.
		expect(await verifyEmail(t.dataDir, 'new.person@example.org')).toBe(`/orgs/${ORG}/projects/${APOLLO}?verified=1`);
		await newbie.until(() => newbie.docs.has(projectDocId(ORG, APOLLO)) && newbie.docs.has(orgDocId(ORG)));
		await alice.client.until(() => projectMaps(doc()).users.has(user.id));
		expect(projectMaps(doc()).users.get(user.id)?.roles).toEqual(['PROJECT_CLUSTER_MANAGER']);
		expect(projectMaps(doc()).invitations.size).toBe(0);
		expect(orgMaps(alice.client.docs.get(orgDocId(ORG))!).members.get(user.id)?.role).toBe('ORG_MEMBER');
		expect(await t.server.documents.invitationsFor('new.person@example.org')).toEqual([]);

		const feed = await fetch(new URL(`/api/activity?org=${ORG}&projectId=${APOLLO}`, t.base), { headers: { cookie: alice.cookie } });
		const types = ((await feed.json()) as { entries: { type: string; ok: boolean }[] }).entries.map((e) => [e.type, e.ok]);
		expect(types.slice(0, 2)).toEqual([
			['invite.accept', true],
			['project.invite', true]
		]);
	});

	it('an organization invitation survives a restart and is accepted when its address is verified', async () => {
		const alice = await acme();
		expect(await alice.client.mutate({ type: 'team.create', orgId: ORG, teamId: 't-ops', name: 'Ops' })).toMatchObject(ok);
		// Bob exists but has not verified bob@example.com: he is invited, not added.
		const bob = await signUp(t.base, 'bob');
		const invite = {
			type: 'member.invite',
			orgId: ORG,
			inviteId: 'inv-bob-1',
			email: 'bob@example.com',
			role: 'ORG_BILLING_ADMIN',
			teams: ['t-ops']
		};
		expect(await alice.client.mutate(invite)).toMatchObject(ok);
		expect(orgMaps(alice.client.docs.get(orgDocId(ORG))!).members.has(bob.user.id)).toBe(false);
		// Placing the invitee in another team rewrites the invitation but mails nothing new.
		expect(await alice.client.mutate({ type: 'team.create', orgId: ORG, teamId: 't-dev', name: 'Dev' })).toMatchObject(ok);
		expect(await alice.client.mutate({ type: 'team.addInvitee', orgId: ORG, teamId: 't-dev', inviteId: 'inv-bob-1' })).toMatchObject(ok);
		// A mail is written before the verdict of what caused it: after this one's, no other is on its way.
		await until(() => mails('bob@example.com').length === 2);
		expect(
			mails('bob@example.com')
				.map((m) => m.subject)
				.sort()
		).toEqual(['Verify your email address for Roster', 'alice invited you to Acme on Roster']);
		await t.restart();
		expect(await t.server.documents.invitationsFor('BOB@example.com')).toHaveLength(1);
		// The mailed link names the old port; the path is what matters.
		const link = new URL(verificationLink(t.dataDir, 'bob@example.com'));
		const res = await fetch(new URL(link.pathname + link.search, t.base), { redirect: 'manual' });
		expect(res.headers.get('location')).toBe(`/orgs/${ORG}?verified=1`);
		const again = await t.connect(bob.cookie);
		expect(again.welcome().docs).toContain(orgDocId(ORG));
		const maps = orgMaps(again.docs.get(orgDocId(ORG))!);
		expect(maps.members.get(bob.user.id)?.role).toBe('ORG_BILLING_ADMIN');
		expect(maps.teamMembers.has(`t-ops/${bob.user.id}`)).toBe(true);
		expect(maps.teamMembers.has(`t-dev/${bob.user.id}`)).toBe(true);
		expect(maps.invitations.size).toBe(0);
	});

	it('signing in accepts an invitation whose address was verified without it (the catch-up path)', async () => {
		const alice = await acme();
		const dora = await signUp(t.base, 'dora');
		expect(
			await alice.client.mutate({
				type: 'member.invite',
				orgId: ORG,
				inviteId: 'inv-dora-1',
				email: 'dora@example.com',
				role: 'ORG_MEMBER'
			})
		).toMatchObject(ok);
		// As if the server stopped between marking the address verified and accepting.
		await t.server.accounts.markEmailVerified(dora.user.id, 'dora@example.com');
		const signIn = await post(t.base, '/api/signin', { username: 'dora', password: PASSWORD });
		expect(signIn.status).toBe(200);
		await alice.client.until(() => orgMaps(alice.client.docs.get(orgDocId(ORG))!).members.has(dora.user.id));
		const client = await t.connect(cookieOf(signIn));
		expect(client.welcome().docs).toEqual([orgDocId(ORG)]);
	});

	it('a cancelled invitation is not accepted; a verified holder of the address is added at once', async () => {
		const alice = await acme();
		expect(
			await alice.client.mutate({
				type: 'member.invite',
				orgId: ORG,
				inviteId: 'inv-carl-1',
				email: 'carl@example.com',
				role: 'ORG_MEMBER'
			})
		).toMatchObject(ok);
		expect(await alice.client.mutate({ type: 'member.cancelInvite', orgId: ORG, inviteId: 'inv-carl-1' })).toMatchObject(ok);
		expect(await t.server.documents.invitationsFor('carl@example.com')).toEqual([]);
		const carl = await signUp(t.base, 'carl');
		expect(await verifyEmail(t.dataDir, 'carl@example.com')).toBe('/?verified=1');
		expect(orgMaps(alice.client.docs.get(orgDocId(ORG))!).members.has(carl.user.id)).toBe(false);
		// Now verified: inviting the address adds carl directly, and no invitation mail goes out.
		expect(
			await alice.client.mutate({
				type: 'member.invite',
				orgId: ORG,
				inviteId: 'inv-carl-2',
				email: 'carl@example.com',
				role: 'ORG_MEMBER'
			})
		).toMatchObject(ok);
		await alice.client.until(() => orgMaps(alice.client.docs.get(orgDocId(ORG))!).members.has(carl.user.id));
		// One mail for the first invitation, one to verify; none for the second.
		expect(
			mails('carl@example.com')
				.map((m) => m.subject)
				.sort()
		).toEqual(['Verify your email address for Roster', 'alice invited you to Acme on Roster']);
	});

	it('a non-member cannot accept an invitation made for someone else, and learns nothing from trying', async () => {
		const alice = await acme();
		expect(
			await alice.client.mutate({ type: 'member.invite', orgId: ORG, inviteId: 'inv-dora-1', email: 'dora@example.com', role: 'ORG_OWNER' })
		).toMatchObject(ok);
		const eve = await t.user('eve');
		await verifyEmail(t.dataDir, 'eve@example.com');
		const verdict = await eve.client.mutate({ type: 'invite.accept', orgId: ORG, inviteId: 'inv-dora-1' });
		expect(verdict.ok || verdict.message).not.toContain('dora');
		expect(verdict).toMatchObject({ ok: false, code: 'INVITATION_NOT_FOUND' });
		const unknown = await eve.client.mutate({ type: 'invite.accept', orgId: ORG, inviteId: 'inv-nope-1' });
		expect(unknown).toMatchObject({ ok: false, code: 'INVITATION_NOT_FOUND' });
		expect(eve.client.docs.has(orgDocId(ORG))).toBe(false);
	});
});

describe('SMTP mailer', () => {
	it('hands the mail to an SMTP server', async () => {
		const received: string[] = [];
		const smtp = createServer((socket: Socket) => {
			let data = false;
			socket.write('220 test ESMTP\r\n');
			socket.on('data', (chunk) => {
				for (const line of chunk.toString().split('\r\n').filter(Boolean)) {
					if (data) {
						received.push(line);
						if (line === '.') {
							data = false;
							socket.write('250 queued\r\n');
						}
					} else if (/^(EHLO|HELO)/i.test(line)) socket.write('250 test\r\n');
					else if (/^DATA/i.test(line)) {
						data = true;
						socket.write('354 go ahead\r\n');
					} else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
					else socket.write('250 ok\r\n');
				}
			});
		});
		await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
		const port = (smtp.address() as { port: number }).port;
		const mailer = new SmtpMailer(`smtp://127.0.0.1:${port}?ignoreTLS=true`, 'Roster <roster@example.org>');
		expect(mailer.where).toBe(`SMTP smtp://127.0.0.1:${port} (from Roster <roster@example.org>)`);
		await mailer.send({ to: 'x@example.org', subject: 'Hello there', text: 'Body line' });
		smtp.close();
		expect(received).toContain('Subject: Hello there');
		expect(received).toContain('Body line');
	});
});
