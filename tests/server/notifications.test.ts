import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { webhookShown, type OrgRole } from '$lib/domain/index.ts';
import { privateAddress } from '../../sync-server/public-address.ts';
import { TestServer } from './test-client.ts';
import { mails } from './mail.ts';

const ok = { t: 'verdict', ok: true };

/** A local webhook receiver: records each POST; `answer` decides the reply (or hangs). */
class Receiver {
	readonly received: { headers: IncomingMessage['headers']; body: Record<string, unknown> }[] = [];
	answer: 'ok' | 'error' | 'hang' = 'ok';
	private server!: Server;
	private readonly waiting = new Set<() => void>();

	async start() {
		this.server = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (c: Buffer) => chunks.push(c));
			req.on('end', () => {
				this.received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
				for (const w of this.waiting) w();
				if (this.answer === 'hang') return;
				res.writeHead(this.answer === 'ok' ? 204 : 500).end();
			});
		});
		await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
		return this;
	}
	get url() {
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/roster`;
	}
	/** Resolves once `n` alerts have arrived. */
	until(n: number) {
		return vi.waitFor(() => expect(this.received.length).toBeGreaterThanOrEqual(n), { timeout: 5000 });
	}
	stop() {
		this.server.closeAllConnections();
		return new Promise((r) => this.server.close(r));
	}
}

let t: TestServer;
let hook: Receiver;
beforeEach(async () => {
	// The receiver listens on 127.0.0.1, which the server refuses to post to unless told.
	t = await new TestServer({ privateWebhooks: true }).start();
	hook = await new Receiver().start();
});
afterEach(async () => {
	await t.stop();
	await hook.stop();
});

/** What the settings page shows of the last delivery to the webhook. */
async function lastDelivery(cookie: string) {
	const res = await fetch(new URL('/api/webhook-delivery?org=acme', t.base), { headers: { cookie } });
	expect(res.status).toBe(200);
	return ((await res.json()) as { delivery: unknown }).delivery;
}

const alertsTo = (email: string) => mails(t.dataDir, email).filter((m) => m.subject.startsWith('Roster: membership'));

/** ann runs Acme with bob signed up; the channels are set to an address in the mail log and the local receiver. */
async function acme() {
	const ann = await t.user('ann');
	const bob = await t.user('bob');
	expect(await ann.client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject(ok);
	expect(
		await ann.client.mutate({ type: 'org.setNotifications', orgId: 'acme', email: 'alerts@acme.test', webhook: hook.url })
	).toMatchObject(ok);
	return { ann, bob };
}

/** ann sets bob's role in Acme; bob is looked up in the store, as the server may have been restarted since he signed up. */
async function setBobRole(ann: Awaited<ReturnType<typeof acme>>['ann'], role: OrgRole) {
	return ann.client.mutate({ type: 'member.setRole', orgId: 'acme', userId: (await t.server.accounts.userByUsername('bob'))!.id, role });
}

describe('membership alerts (rules §2 notification channels)', () => {
	it('a member added, its role changed, removed: each goes to the webhook as JSON and to the email channel', async () => {
		const { ann, bob } = await acme();
		expect(await ann.client.mutate({ type: 'member.add', orgId: 'acme', username: 'bob', role: 'ORG_MEMBER' })).toMatchObject(ok);
		await hook.until(1);
		const [first] = hook.received;
		expect(first!.headers['content-type']).toBe('application/json');
		expect(first!.body).toMatchObject({
			type: 'roster.membership',
			org: { id: 'acme', name: 'Acme' },
			actor: { id: ann.user.id, username: 'ann' },
			mutation: 'member.add',
			events: [{ userId: bob.user.id, username: 'bob', change: 'joined', role: 'ORG_MEMBER' }]
		});
		expect(first!.body.text).toContain('bob joined as Member');
		// No channel, cookie, password or hash in the payload.
		expect(JSON.stringify(first!.body)).not.toMatch(/alerts@acme\.test|hooks\/roster|scrypt|password|cookie/i);

		expect(await ann.client.mutate({ type: 'member.setRole', orgId: 'acme', userId: bob.user.id, role: 'ORG_OWNER' })).toMatchObject(ok);
		expect(await ann.client.mutate({ type: 'member.remove', orgId: 'acme', userId: bob.user.id })).toMatchObject(ok);
		await hook.until(3);
		expect(hook.received.map((r) => (r.body.events as { change: string }[])[0]!.change)).toEqual(['joined', 'role', 'left']);
		await vi.waitFor(() => expect(alertsTo('alerts@acme.test')).toHaveLength(3));
		const mail = alertsTo('alerts@acme.test')[1]!;
		expect(mail.subject).toBe('Roster: membership of Acme changed');
		expect(mail.text).toContain('bob changed from Member to Organization Owner');
		expect(mail.text).toContain('By ann (member.setRole)');
	});

	it('leaving, a transfer and a managed user created and deleted alert too; other changes do not', async () => {
		const { ann, bob } = await acme();
		expect(await ann.client.mutate({ type: 'member.add', orgId: 'acme', username: 'bob', role: 'ORG_OWNER' })).toMatchObject(ok);
		expect(await ann.client.mutate({ type: 'org.rename', orgId: 'acme', name: 'Acme Inc' })).toMatchObject(ok);
		expect(await ann.client.mutate({ type: 'team.create', orgId: 'acme', teamId: 'ops', name: 'Ops' })).toMatchObject(ok);
		expect(await ann.client.mutate({ type: 'member.setRole', orgId: 'acme', userId: bob.user.id, role: 'ORG_OWNER' })).toMatchObject(ok);
		const headers = { 'content-type': 'application/json', cookie: ann.cookie };
		const created = await fetch(new URL('/api/managed-users', t.base), {
			method: 'POST',
			headers,
			body: JSON.stringify({ org: 'acme', username: 'mia', email: 'mia@example.com', password: 'a first password', role: 'ORG_MEMBER' })
		});
		const mia = ((await created.json()) as { user: { id: string } }).user;
		const deleted = await fetch(new URL('/api/managed-users', t.base), {
			method: 'DELETE',
			headers,
			body: JSON.stringify({ userId: mia.id })
		});
		expect(deleted.status).toBe(200);
		await t.server.accounts.markEmailVerified(bob.user.id, bob.user.email);
		expect(await ann.client.mutate({ type: 'org.transferPrimaryAdmin', orgId: 'acme', userId: bob.user.id })).toMatchObject(ok);
		expect(await ann.client.mutate({ type: 'member.leave', orgId: 'acme' })).toMatchObject(ok);
		await hook.until(5);
		// Each alert is mailed before the verdict of its change, and posted to the webhook too: five in the mail log, no sixth on its way.
		expect(alertsTo('alerts@acme.test')).toHaveLength(5);
		expect(hook.received.map((r) => [r.body.mutation, (r.body.events as { change: string }[]).map((e) => e.change)])).toEqual([
			['member.add', ['joined']],
			['member.addManaged', ['joined']],
			['member.deleteManaged', ['left']],
			['org.transferPrimaryAdmin', ['primary admin']],
			['member.leave', ['left']]
		]);
	});

	it('a failing or hanging webhook never blocks or fails the change; the email still goes, and the failure is logged', async () => {
		await t.restart({ webhookTimeoutMs: 300, privateWebhooks: true });
		const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
		try {
			const { ann } = await acme();
			hook.answer = 'hang';
			const started = Date.now();
			expect(await ann.client.mutate({ type: 'member.add', orgId: 'acme', username: 'bob', role: 'ORG_MEMBER' })).toMatchObject(ok);
			expect(Date.now() - started).toBeLessThan(250);
			await vi.waitFor(() => expect(alertsTo('alerts@acme.test')).toHaveLength(1));
			await vi.waitFor(() =>
				expect(errors).toHaveBeenCalledWith('Membership alert webhook for Acme (acme) failed:', expect.stringMatching(/timeout|aborted/i))
			);

			hook.answer = 'error';
			expect(await setBobRole(ann, 'ORG_READ_ONLY')).toMatchObject(ok);
			await vi.waitFor(() =>
				expect(errors).toHaveBeenCalledWith('Membership alert webhook for Acme (acme) failed:', 'Error: the webhook answered 500')
			);
			// Nobody listening at all.
			await hook.stop();
			expect(await setBobRole(ann, 'ORG_MEMBER')).toMatchObject(ok);
			await vi.waitFor(() => expect(errors).toHaveBeenCalledTimes(3));
			await vi.waitFor(() => expect(alertsTo('alerts@acme.test')).toHaveLength(3));
			for (const call of errors.mock.calls) expect(call.join(' ')).not.toContain('hooks/roster');
		} finally {
			errors.mockRestore();
			hook = await new Receiver().start();
		}
	});

	it("by default refuses a loopback or private webhook when it is set, and posts to none: the webhook is no way into the server's network", async () => {
		// Set while private addresses were allowed; the server then restarts without.
		const { ann: before } = await acme();
		await t.restart({});
		const ann = { ...before, client: await t.connect(before.cookie) };
		const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
		try {
			const refusal = (where: string) => ({
				ok: false,
				code: 'WEBHOOK_PRIVATE_ADDRESS',
				message: `Roster does not post alerts to private or local addresses ${where}: use an address reachable from the internet.`
			});
			const setHook = (webhook: string) => ann.client.mutate({ type: 'org.setNotifications', orgId: 'acme', email: null, webhook });
			expect(await setHook(hook.url)).toMatchObject(refusal('such as 127.0.0.1'));
			expect(await setHook('https://10.0.0.5/roster')).toMatchObject(refusal('such as 10.0.0.5'));
			expect(await setHook('http://[fd00::1]:8080/')).toMatchObject(refusal('such as fd00::1'));
			// A name is refused by the address it is at, which is not shown: any user may set a webhook on an organization of their own.
			expect(await setHook(hook.url.replace('127.0.0.1', 'localhost'))).toMatchObject(refusal('(localhost is at one)'));
			expect((await t.server.hub.orgState('acme'))!.org()!.notifications).toEqual({
				email: 'alerts@acme.test',
				webhook: webhookShown(hook.url)
			});

			// The one set before is not posted to either, and its last delivery says why.
			expect(await ann.client.mutate({ type: 'member.add', orgId: 'acme', username: 'bob', role: 'ORG_MEMBER' })).toMatchObject(ok);
			await vi.waitFor(() => expect(alertsTo('alerts@acme.test')).toHaveLength(1));
			await vi.waitFor(() =>
				expect(errors).toHaveBeenCalledWith(
					'Membership alert webhook for Acme (acme) failed:',
					expect.stringContaining('private or local address')
				)
			);
			await vi.waitFor(async () =>
				expect(await lastDelivery(ann.cookie)).toMatchObject({
					ok: false,
					status: null,
					error: 'the address is private or local, where Roster does not post alerts'
				})
			);
			expect(hook.received).toHaveLength(0);
			for (const address of [
				'10.1.2.3',
				'169.254.169.254',
				'::1',
				'::ffff:127.0.0.1',
				'::ffff:0:a00:1',
				'64:ff9b::a00:1',
				'fd00::1',
				'198.18.0.1'
			])
				expect(privateAddress(address)).toBe(true);
			for (const address of ['93.184.216.34', '2606:4700::1111']) expect(privateAddress(address)).toBe(false);
		} finally {
			errors.mockRestore();
		}
	});

	it("keeps the last delivery's outcome for the primary admin: the status answered, or why there was none", async () => {
		const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
		try {
			const { ann, bob } = await acme();
			expect(await lastDelivery(ann.cookie)).toBeNull();
			expect(await ann.client.mutate({ type: 'member.add', orgId: 'acme', username: 'bob', role: 'ORG_MEMBER' })).toMatchObject(ok);
			await hook.until(1);
			await vi.waitFor(async () =>
				expect(await lastDelivery(ann.cookie)).toMatchObject({ ok: true, status: 204, statusText: 'No Content', error: null })
			);
			hook.answer = 'error';
			expect(await setBobRole(ann, 'ORG_READ_ONLY')).toMatchObject(ok);
			await vi.waitFor(async () =>
				expect(await lastDelivery(ann.cookie)).toMatchObject({ ok: false, status: 500, statusText: 'Internal Server Error', error: null })
			);
			await hook.stop();
			expect(await setBobRole(ann, 'ORG_MEMBER')).toMatchObject(ok);
			await vi.waitFor(async () =>
				expect(await lastDelivery(ann.cookie)).toMatchObject({ ok: false, status: null, error: 'connection refused' })
			);
			// Only the primary admin, who sets the webhook, reads how it went.
			const denied = await fetch(new URL('/api/webhook-delivery?org=acme', t.base), { headers: { cookie: bob.cookie } });
			expect(denied.status).toBe(403);
			expect(await denied.json()).toMatchObject({ code: 'FORBIDDEN' });
			// A new webhook starts with no outcome.
			hook = await new Receiver().start();
			expect(await ann.client.mutate({ type: 'org.setNotifications', orgId: 'acme', email: null, webhook: hook.url })).toMatchObject(ok);
			expect(await lastDelivery(ann.cookie)).toBeNull();
		} finally {
			errors.mockRestore();
		}
	});

	it('only the primary admin sets the channels, and bad ones are refused with a sentence, changing nothing', async () => {
		const { ann, bob } = await acme();
		expect(await ann.client.mutate({ type: 'member.add', orgId: 'acme', username: 'bob', role: 'ORG_OWNER' })).toMatchObject(ok);
		expect(await bob.client.mutate({ type: 'org.setNotifications', orgId: 'acme', email: null, webhook: null })).toMatchObject({
			ok: false,
			code: 'FORBIDDEN',
			message: 'Only the primary admin may configure notification channels.'
		});
		for (const webhook of ['file:///etc/passwd', 'https://u:p@example.org/', 'not a url']) {
			const verdict = await ann.client.mutate({ type: 'org.setNotifications', orgId: 'acme', email: null, webhook });
			expect(verdict).toMatchObject({ ok: false, code: 'INVALID_MUTATION' });
		}
		expect((await t.server.hub.orgState('acme'))!.org()!.notifications).toEqual({
			email: 'alerts@acme.test',
			webhook: webhookShown(hook.url)
		});
	});

	it("keeps the whole webhook URL on the server: members' replicas and the activity feed see only its host", async () => {
		const { ann, bob } = await acme();
		expect(await ann.client.mutate({ type: 'member.add', orgId: 'acme', username: 'bob', role: 'ORG_OWNER' })).toMatchObject(ok);
		await bob.client.sync('org:acme');
		const path = new URL(hook.url).pathname;
		await bob.client.until(() => !!bob.client.org('acme').org?.notifications);
		expect(bob.client.org('acme').org?.notifications?.webhook).toBe(webhookShown(hook.url));
		expect(JSON.stringify(bob.client.org('acme'))).not.toContain(path);
		const feed = await fetch(new URL('/api/activity?org=acme', t.base), { headers: { cookie: ann.cookie } });
		const text = await feed.text();
		expect(text).toContain('org.setNotifications');
		expect(text).not.toContain(path);
		// The alert still reaches the whole URL; changing only the email keeps it.
		await hook.until(1);
		expect(await ann.client.mutate({ type: 'org.setNotifications', orgId: 'acme', email: 'ops@acme.test' })).toMatchObject(ok);
		expect(await ann.client.mutate({ type: 'member.setRole', orgId: 'acme', userId: bob.user.id, role: 'ORG_MEMBER' })).toMatchObject(ok);
		await hook.until(2);
		await vi.waitFor(() => expect(alertsTo('ops@acme.test')).toHaveLength(1));
	});
});
