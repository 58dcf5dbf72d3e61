import { beforeEach, describe, expect, it } from 'vitest';
import { billingMaps, dueInvoices, orgMaps, unpaidCents, type Invoice } from '$lib/domain/index.ts';
import { BillingRun } from '../../sync-server/billing-run.ts';
import { memoryLimits } from '../../sync-server/limits.ts';
import { LocalProcessor } from '../../sync-server/payments.ts';
import { billingDocId, orgDocId } from '$lib/protocol/messages.ts';
import { post } from './test-client.ts';
import { serverForEachTest } from './fixtures.ts';
import { mails } from './mail.ts';

const ORG = 'acme';
const ok = { t: 'verdict', ok: true };
const at = (iso: string) => Date.parse(`${iso}Z`);

let clock = at('2026-09-10T12:00:00');
let payments: LocalProcessor;
beforeEach(() => {
	clock = at('2026-09-10T12:00:00');
	payments = new LocalProcessor();
});
const t = serverForEachTest(() => ({ now: () => clock, payments }));

const addCard = (cookie: string, number: string) =>
	post(t.base, '/api/cards', { org: ORG, number, expMonth: 12, expYear: 2099, cvc: '737', holder: 'Acme Inc' }, { cookie });
const resend = (cookie: string, body: Record<string, unknown>) => post(t.base, '/api/invoices/resend', body, { cookie });

/** alice: primary admin of Acme with project Apollo and a dedicated deployment since 10 September; cards by number, the first the default. */
async function acme(...cards: string[]) {
	const alice = await t.user('alice');
	expect(await alice.client.mutate({ type: 'org.create', orgId: ORG, name: 'Acme' })).toMatchObject(ok);
	expect(await alice.client.mutate({ type: 'project.create', orgId: ORG, projectId: 'apollo', name: 'Apollo' })).toMatchObject(ok);
	const deployment = {
		type: 'deployment.create',
		orgId: ORG,
		projectId: 'apollo',
		deploymentId: 'orders',
		name: 'orders',
		plan: 'dedicated'
	};
	expect(await alice.client.mutate(deployment)).toMatchObject(ok);
	for (const [i, number] of cards.entries()) {
		clock += i * 60_000;
		expect((await addCard(alice.cookie, number)).status).toBe(201);
	}
	await alice.client.sync(billingDocId(ORG));
	return alice;
}

const invoice = async (id: string): Promise<Invoice | undefined> => (await t.server.hub.orgState(ORG))?.billing().invoice(id);

const mailsTo = (email: string) => mails(t.dataDir, email);

describe('monthly invoices', () => {
	it('are issued for the prior month at the next run, once, and paid with the default card', async () => {
		const alice = await acme('4111111111111111', '5555555555554444');
		await t.server.billing.run();
		expect(await invoice('2026-08')).toBeUndefined();

		clock = at('2026-10-01T00:30:00');
		await t.server.billing.run();
		const september = (await invoice('2026-09'))!;
		expect(september).toMatchObject({
			status: 'paid',
			paidAt: clock,
			issuedAt: clock,
			card: { brand: 'visa', last4: '1111' },
			totalCents: 12600,
			lines: [
				{ projectId: 'apollo', project: 'Apollo', deploymentId: 'orders', name: 'orders', plan: 'dedicated', activeDays: 21, cents: 12600 }
			],
			attempts: [{ outcome: 'paid', card: { last4: '1111' } }]
		});
		expect(payments.charges.map((c) => [c.card.last4, c.cents])).toEqual([['1111', 12600]]);
		// The client's billing document follows.
		await alice.client.until(() => billingMaps(alice.client.doc(billingDocId(ORG))).invoices.get('2026-09')?.status === 'paid');

		// The organization's export holds its invoices.
		const exported = (await (await fetch(`${t.base}/api/export?org=${ORG}`, { headers: { cookie: alice.cookie } })).json()) as {
			invoices: Invoice[];
		};
		expect(exported.invoices).toEqual([september]);

		// Idempotent: another run, later the same month, issues and charges nothing.
		clock = at('2026-10-20T00:00:00');
		await t.server.billing.run();
		expect(payments.charges).toHaveLength(1);
		expect((await t.server.hub.orgState(ORG))!.billing().invoices()).toHaveLength(1);
	});

	it('a declined default card is retried on the others, most recently added first', async () => {
		await acme('4111111111111111', '5555555555554444', '4242424242424242');
		payments.declining.add('1111');
		clock = at('2026-10-01T00:30:00');
		await t.server.billing.run();
		expect(await invoice('2026-09')).toMatchObject({ status: 'paid', card: { last4: '4242' } });
		expect((await invoice('2026-09'))!.attempts.map((a) => [a.card?.last4, a.outcome])).toEqual([
			['1111', 'declined'],
			['4242', 'paid']
		]);
	});

	it('when every card declines the invoice stays open, the billing contact is mailed, and a new card pays it', async () => {
		const alice = await acme('4111111111111111', '5555555555554444');
		expect(await alice.client.mutate({ type: 'org.setBillingContact', orgId: ORG, email: 'ap@example.org' })).toMatchObject(ok);
		payments.declining.add('1111').add('4444');
		clock = at('2026-10-01T00:30:00');
		await t.server.billing.run();
		expect(await invoice('2026-09')).toMatchObject({ status: 'open' });
		expect((await invoice('2026-09'))!.attempts.map((a) => a.outcome)).toEqual(['declined', 'declined']);
		expect(unpaidCents((await t.server.hub.orgState(ORG))!.billing())).toBe(12600);
		const [mail, ...more] = mailsTo('ap@example.org');
		expect(more).toEqual([]);
		expect(mail!.subject).toBe('Roster could not charge Acme: $126.00 unpaid');
		expect(mail!.text).toContain('Every card on file for Acme was declined');
		expect(mail!.text).toContain(`/orgs/${ORG}/billing/invoices/2026-09`);

		// Adding a card retries what is open (the run after it waits for that retry).
		expect((await addCard(alice.cookie, '5105105105105100')).status).toBe(201);
		await t.server.billing.run();
		expect(await invoice('2026-09')).toMatchObject({ status: 'paid', card: { brand: 'mastercard', last4: '5100' } });
		expect(unpaidCents((await t.server.hub.orgState(ORG))!.billing())).toBe(0);
	});

	it('Pay now charges what is open again, for owners and billing admins only', async () => {
		const alice = await acme('4111111111111111');
		const bob = await t.user('bob');
		expect(await alice.client.mutate({ type: 'member.add', orgId: ORG, username: 'bob', role: 'ORG_BILLING_VIEWER' })).toMatchObject(ok);
		payments.declining.add('1111');
		clock = at('2026-10-01T00:30:00');
		await t.server.billing.run();
		const pay = (cookie: string) => post(t.base, '/api/invoices/pay', { org: ORG }, { cookie });
		expect(await (await pay(alice.cookie)).json()).toEqual({ unpaidCents: 12600 });
		expect(await (await pay(bob.cookie)).json()).toMatchObject({ code: 'FORBIDDEN' });
		payments.declining.clear();
		expect(await (await pay(alice.cookie)).json()).toEqual({ unpaidCents: 0 });
		expect((await invoice('2026-09'))!.attempts.map((a) => a.outcome)).toEqual(['declined', 'declined', 'paid']);
	});

	it('adding cards charges again at most 5 times an hour per organization, so cards cannot flood the billing address', async () => {
		const alice = await acme('4111111111111111');
		payments.declining.add('1111');
		payments.declining.add('5556');
		clock = at('2026-10-01T00:30:00');
		await t.server.billing.run();
		const failed = () => mailsTo('alice@example.com').filter((m) => m.subject.includes('could not charge')).length;
		const before = failed();
		for (let i = 0; i < 8; i++) expect((await addCard(alice.cookie, '4000056655665556')).status).toBe(201);
		await t.server.billing.run();
		expect((await invoice('2026-09'))!.attempts.length).toBeLessThanOrEqual(1 + 5 * 9);
		expect(failed() - before).toBeLessThanOrEqual(5);
		expect(await (await post(t.base, '/api/invoices/pay', { org: ORG }, { cookie: alice.cookie })).json()).toMatchObject({
			code: 'RATE_LIMITED'
		});
	});

	it('a processor that fails counts as a decline; the run goes on', async () => {
		await acme('4111111111111111');
		payments.charge = () => Promise.reject(new Error('connection reset'));
		clock = at('2026-10-01T00:30:00');
		await t.server.billing.run();
		expect(await invoice('2026-09')).toMatchObject({
			status: 'open',
			attempts: [{ outcome: 'declined', reason: 'The payment processor could not be reached.' }]
		});
	});

	it('with no card on file the billing contact (the primary admin by default) is told so', async () => {
		await acme();
		clock = at('2026-10-01T00:30:00');
		await t.server.billing.run();
		expect(await invoice('2026-09')).toMatchObject({ status: 'open', attempts: [{ outcome: 'declined', reason: 'No card was on file.' }] });
		const told = () => mailsTo('alice@example.com').filter((m) => m.text.includes('Acme has no card on file'));
		expect(told()).toHaveLength(1);
		// The next run neither tries nor mails again: adding a card does.
		await t.server.billing.run();
		expect(told()).toHaveLength(1);
		expect((await invoice('2026-09'))!.attempts).toHaveLength(1);
	});

	it('one issued by a run interrupted before charging is charged at the next run', async () => {
		await acme('4111111111111111');
		const [september] = dueInvoices((await t.server.hub.orgState(ORG))!, at('2026-10-01T00:30:00'));
		await t.server.hub.applyServerChanges(ORG, [{ kind: 'invoice.put', invoice: september! }]);
		await t.restart();
		await t.server.billing.run();
		expect(await invoice('2026-09')).toMatchObject({ status: 'paid', attempts: [{ outcome: 'paid' }] });
	});

	it('survive a restart, which issues nothing new', async () => {
		await acme('4111111111111111');
		clock = at('2026-10-01T00:30:00');
		await t.server.billing.run();
		await t.restart();
		await t.server.billing.run();
		expect(await invoice('2026-09')).toMatchObject({ status: 'paid', totalCents: 12600 });
		expect(payments.charges).toHaveLength(1);
	});

	it('are left to the server that holds the organization (several servers run the billing), then issued once', async () => {
		await acme('4111111111111111');
		clock = at('2026-10-01T00:30:00');
		// Another server's billing run over the same organizations; `limits` stands for the store both share.
		const limits = memoryLimits();
		const { hub, mailer } = t.server;
		const other = new BillingRun({ hub, payments, mailer, now: () => clock, publicUrl: () => t.base, limits });
		const held = await limits.jobs.tryRun(`billing:${ORG}`, async () => {
			await other.run();
			expect(await invoice('2026-09')).toBeUndefined();
		});
		expect(held).toBe(true);
		await other.run();
		expect(await invoice('2026-09')).toMatchObject({ status: 'paid', attempts: [{ outcome: 'paid' }] });
		expect(payments.charges).toHaveLength(1);
	});
});

describe('re-sending an invoice', () => {
	it('goes to the email of any of the organization users, from anyone who may view billing', async () => {
		const alice = await acme('4111111111111111');
		const bob = await t.user('bob');
		const vic = await t.user('vic');
		expect(await alice.client.mutate({ type: 'member.add', orgId: ORG, username: 'bob', role: 'ORG_MEMBER' })).toMatchObject(ok);
		expect(await alice.client.mutate({ type: 'member.add', orgId: ORG, username: 'vic', role: 'ORG_BILLING_VIEWER' })).toMatchObject(ok);
		clock = at('2026-10-01T00:30:00');
		await t.server.billing.run();

		const sent = await resend(vic.cookie, { org: ORG, invoiceId: '2026-09', email: 'BOB@example.com' });
		expect(await sent.json()).toEqual({ sentTo: 'bob@example.com' });
		const [mail] = mailsTo('bob@example.com').filter((m) => m.subject.startsWith('Roster invoice'));
		expect(mail!.subject).toBe('Roster invoice for Acme: September 2026');
		expect(mail!.text).toContain('Apollo / orders (Dedicated, 21 days): $126.00');
		expect(mail!.text).toContain('Total: $126.00');
		expect(mail!.text).toContain('with the Visa card ending 1111');
		expect(mail!.text).toContain(`http://localhost:${t.server.port}/orgs/${ORG}/billing/invoices/2026-09`);

		const stranger = await resend(alice.cookie, { org: ORG, invoiceId: '2026-09', email: 'stranger@example.net' });
		expect(stranger.status).toBe(400);
		expect(await stranger.json()).toMatchObject({ code: 'NOT_AN_ORG_EMAIL' });
		expect(mailsTo('stranger@example.net')).toEqual([]);
		expect(await (await resend(alice.cookie, { org: ORG, invoiceId: '2026-01', email: 'bob@example.com' })).json()).toMatchObject({
			code: 'INVOICE_NOT_FOUND'
		});
		// A plain member may not view billing; an outsider learns nothing about the organization.
		expect(await (await resend(bob.cookie, { org: ORG, invoiceId: '2026-09', email: 'bob@example.com' })).json()).toMatchObject({
			code: 'FORBIDDEN'
		});
		const outsider = await t.user('eve');
		expect(await (await resend(outsider.cookie, { org: ORG, invoiceId: '2026-09', email: 'eve@example.com' })).json()).toMatchObject({
			code: 'FORBIDDEN'
		});
		expect(await (await resend(alice.cookie, { org: ORG, invoiceId: 'x y', email: 'nope' })).json()).toMatchObject({
			code: 'INVALID_INPUT'
		});
		expect((await resend('', { org: ORG, invoiceId: '2026-09', email: 'bob@example.com' })).status).toBe(401);
	});
});

describe('closing with an unpaid balance', () => {
	it('goes to closing, then the run issues the final invoice, charges it and closes the organization', async () => {
		const alice = await acme('4111111111111111');
		payments.declining.add('1111');
		clock = at('2026-10-01T00:30:00');
		await t.server.billing.run();
		expect((await invoice('2026-09'))!.status).toBe('open');

		clock = at('2026-10-02T09:00:00');
		expect(await alice.client.mutate({ type: 'deployment.delete', orgId: ORG, projectId: 'apollo', deploymentId: 'orders' })).toMatchObject(
			ok
		);
		expect(await alice.client.mutate({ type: 'org.close', orgId: ORG })).toMatchObject(ok);
		const org = () => orgMaps(alice.client.doc(orgDocId(ORG))).meta.get('org');
		await alice.client.until(() => org()?.status === 'closing');
		expect(org()!.closingAt).toBe(clock);
		expect(await alice.client.mutate({ type: 'org.rename', orgId: ORG, name: 'Later' })).toMatchObject({ ok: false, code: 'ORG_CLOSING' });

		// The card now pays: the final run charges everything still owed, then closes.
		payments.declining.clear();
		clock = at('2026-10-02T10:00:00');
		await t.server.billing.run();
		expect(await invoice('2026-10-final')).toMatchObject({
			final: true,
			period: { start: at('2026-10-01T00:00:00'), end: at('2026-10-02T09:00:00') },
			totalCents: 1161,
			status: 'paid'
		});
		expect((await invoice('2026-09'))!.status).toBe('paid');
		await alice.client.until(() => org()?.status === 'closed');
		expect(await alice.client.mutate({ type: 'org.rename', orgId: ORG, name: 'Later' })).toMatchObject({ ok: false, code: 'ORG_CLOSED' });
		await t.server.billing.run();
		expect((await t.server.hub.orgState(ORG))!.billing().invoices()).toHaveLength(2);
	});

	it('without an unpaid balance it closes at once', async () => {
		const alice = await acme('4111111111111111');
		clock = at('2026-10-01T00:30:00');
		await t.server.billing.run();
		expect(await alice.client.mutate({ type: 'deployment.delete', orgId: ORG, projectId: 'apollo', deploymentId: 'orders' })).toMatchObject(
			ok
		);
		expect(await alice.client.mutate({ type: 'org.close', orgId: ORG })).toMatchObject(ok);
		expect((await t.server.hub.orgState(ORG))!.org()!.status).toBe('closed');
	});
});
