import { describe, expect, it } from 'vitest';
import {
	Invoice as InvoiceSchema,
	OverlayState,
	afterCharge,
	applyChanges,
	chargeOrder,
	closeWhenFinalIssued,
	dueInvoices,
	invoicePeriodLabel,
	toCharge,
	unpaidCents,
	withoutCard,
	type Deployment,
	type Invoice
} from '../../src/lib/domain/index.ts';
import { expectAccepted, expectRefused, membersOf, NOW, orgWith, projectId, type Fixture } from './factories.ts';

const at = (iso: string) => Date.parse(`${iso}Z`);
const APOLLO = projectId('Apollo');

function org(cards: string[] = ['c-1', 'c-2', 'c-3']): Fixture {
	return orgWith({
		primaryAdmin: 'ann',
		members: membersOf({ ann: 'ORG_OWNER', bill: 'ORG_BILLING_ADMIN', mo: 'ORG_MEMBER' }),
		projects: [
			{ name: 'Apollo', users: [['ann', ['PROJECT_OWNER']]] },
			{ name: 'Gemini', users: [['ann', ['PROJECT_OWNER']]] }
		],
		cards
	});
}

function deploy(fx: Fixture, project: string, d: Partial<Deployment> & { id: string; createdAt: number }) {
	const deployment: Deployment = { name: d.id, plan: 'dedicated', status: d.deletedAt ? 'deleted' : 'active', ...d };
	applyChanges(fx.state, [{ kind: 'deployment.put', projectId: projectId(project), deployment }], 'test');
}

const put = (fx: Fixture, invoice: Invoice) => applyChanges(fx.state, [{ kind: 'invoice.put', invoice }], 'test');

describe('issuing invoices from state', () => {
	it('issues the prior month once, one line per deployment, mid-month creation and deletion prorated', () => {
		const fx = org();
		deploy(fx, 'Apollo', { id: 'all-month', createdAt: at('2026-08-20T00:00:00') });
		deploy(fx, 'Apollo', { id: 'gone', createdAt: at('2026-08-01T00:00:00'), deletedAt: at('2026-09-10T09:00:00') });
		deploy(fx, 'Gemini', { id: 'late', plan: 'shared', createdAt: at('2026-09-21T12:00:00') });
		deploy(fx, 'Gemini', { id: 'before', createdAt: at('2026-07-01T00:00:00'), deletedAt: at('2026-08-31T00:00:00') });
		const now = at('2026-10-01T03:00:00');

		const [invoice, ...more] = dueInvoices(fx.state, now);
		expect(more).toEqual([]);
		expect(invoice).toMatchObject({
			id: '2026-09',
			final: false,
			period: { start: at('2026-09-01T00:00:00'), end: at('2026-10-01T00:00:00') },
			status: 'open',
			issuedAt: now,
			attempts: []
		});
		expect(invoice!.lines.map((l) => [l.project, l.name, l.plan, l.activeDays, l.cents]).sort()).toEqual([
			['Apollo', 'all-month', 'dedicated', 30, 18000],
			// Deleted on the 10th: that day counts.
			['Apollo', 'gone', 'dedicated', 10, 6000],
			// Created on the 21st: 10 days of a $15 plan.
			['Gemini', 'late', 'shared', 10, 500]
		]);
		expect(invoice!.totalCents).toBe(24500);
		expect(InvoiceSchema.safeParse(invoice).success).toBe(true);
		expect(invoice!.lines.every((l) => l.projectId === (l.project === 'Apollo' ? APOLLO : projectId('Gemini')))).toBe(true);

		put(fx, invoice!);
		expect(dueInvoices(fx.state, now)).toEqual([]);
		expect(dueInvoices(fx.state, at('2026-10-31T23:00:00'))).toEqual([]);
		expect(unpaidCents(fx.state.billing())).toBe(24500);
		// The next month is due a month later.
		expect(dueInvoices(fx.state, at('2026-11-01T00:00:00')).map((i) => i.id)).toEqual(['2026-10']);
	});

	it('an organization without a deployment in the period gets no invoice; only free ones, a paid one at 0', () => {
		const fx = org();
		expect(dueInvoices(fx.state, at('2026-10-01T00:00:00'))).toEqual([]);
		deploy(fx, 'Apollo', { id: 'later', createdAt: at('2026-10-02T00:00:00') });
		expect(dueInvoices(fx.state, at('2026-10-05T00:00:00'))).toEqual([]);
		deploy(fx, 'Gemini', { id: 'sandbox', plan: 'free', createdAt: at('2026-08-02T00:00:00') });
		const [free] = dueInvoices(fx.state, at('2026-10-05T00:00:00'));
		expect(free).toMatchObject({ id: '2026-09', totalCents: 0, status: 'paid', paidAt: at('2026-10-05T00:00:00') });
	});

	it('settles open invoices and keeps the unpaid balance by index', () => {
		const fx = org();
		deploy(fx, 'Apollo', { id: 'db', createdAt: at('2026-01-01T00:00:00') });
		const [september] = dueInvoices(fx.state, at('2026-10-01T00:00:00'));
		put(fx, september!);
		const [october] = dueInvoices(fx.state, at('2026-11-01T00:00:00'));
		put(fx, october!);
		expect(unpaidCents(fx.state.billing())).toBe(36000);
		expect(new OverlayState(fx.state).billing().openInvoices()).toHaveLength(2);

		const card = fx.state.billing().card('c-1')!;
		const declined = afterCharge(september!, card, { ok: false, reason: 'Insufficient funds' }, NOW);
		expect(declined).toMatchObject({
			status: 'open',
			attempts: [{ at: NOW, card: { brand: 'visa', last4: '4242' }, outcome: 'declined', reason: 'Insufficient funds' }]
		});
		const paid = afterCharge(declined, card, { ok: true }, NOW + 1);
		expect(paid).toMatchObject({ status: 'paid', paidAt: NOW + 1, card: { brand: 'visa', last4: '4242' } });
		expect(paid.attempts).toHaveLength(2);
		expect(Object.keys(paid.card!)).toEqual(['brand', 'last4']);
		put(fx, paid);
		expect(unpaidCents(fx.state.billing())).toBe(18000);
		expect(
			fx.state
				.billing()
				.openInvoices()
				.map((i) => i.id)
		).toEqual(['2026-10']);

		// A run charges what no charge was tried on yet; a noted decline (no card) waits for a new card.
		expect(toCharge(fx.state).map((i) => i.id)).toEqual(['2026-10']);
		put(fx, withoutCard(october!, NOW));
		expect(fx.state.billing().invoice('2026-10')!.attempts).toEqual([{ at: NOW, outcome: 'declined', reason: 'No card was on file.' }]);
		expect(toCharge(fx.state)).toEqual([]);
	});

	it('tries the default card first, then the others most recently added first', () => {
		const fx = org();
		expect(chargeOrder(fx.state.billing()).map((c) => c.id)).toEqual(['c-1', 'c-3', 'c-2']);
		applyChanges(fx.state, [{ kind: 'card.default', cardId: 'c-2' }], 'test');
		expect(chargeOrder(fx.state.billing()).map((c) => c.id)).toEqual(['c-2', 'c-3', 'c-1']);
		expect(chargeOrder(org([]).state.billing())).toEqual([]);
	});
});

describe('closing with an unpaid balance (invariant 8)', () => {
	function owing(): Fixture {
		const fx = org();
		deploy(fx, 'Apollo', { id: 'db', createdAt: at('2023-09-01T00:00:00'), deletedAt: at('2023-11-03T10:00:00') });
		put(fx, dueInvoices(fx.state, at('2023-11-01T00:00:00'))[0]!);
		return fx;
	}

	it('goes to closing, read-only but for billing, then closes once the final invoice is issued', () => {
		const fx = owing();
		expectRefused(fx.check('bill', { type: 'org.close' }), 'FORBIDDEN');
		expectAccepted(fx.run('ann', { type: 'org.close' }));
		expect(fx.state.org()).toMatchObject({ status: 'closing', closingAt: NOW });

		expectRefused(fx.check('ann', { type: 'org.rename', name: 'Again' }), 'ORG_CLOSING');
		expectRefused(fx.check('ann', { type: 'org.close' }), 'ORG_CLOSING');
		expectRefused(fx.check('mo', { type: 'team.create', teamId: 't-x', name: 'X' }), 'ORG_CLOSING');
		// Invariant 9: members may still leave.
		expectAccepted(fx.check('mo', { type: 'member.leave' }));
		expectRefused(
			fx.check('ann', { type: 'deployment.create', projectId: APOLLO, deploymentId: 'd-x', name: 'x', plan: 'free' }),
			'ORG_CLOSING'
		);
		// Paying stays possible: cards, billing details and the billing contact.
		expectAccepted(fx.check('bill', { type: 'card.setDefault', cardId: 'c-2' }));
		expectAccepted(fx.check('mo', { type: 'org.setBillingContact', email: 'ap@example.org' }));
		expect(closeWhenFinalIssued(fx.state)).toEqual([]);

		// The final invoice: November up to the closing moment (the deployment's 3 days); no second October.
		const due = dueInvoices(fx.state, NOW + 3_600_000);
		expect(due).toHaveLength(1);
		expect(due[0]).toMatchObject({
			id: '2023-11-final',
			final: true,
			period: { start: at('2023-11-01T00:00:00'), end: NOW },
			totalCents: 1800,
			status: 'open'
		});
		expect(invoicePeriodLabel(due[0]!)).toBe('November 2023, to 14 November (final)');
		put(fx, due[0]!);
		expect(dueInvoices(fx.state, NOW + 7_200_000)).toEqual([]);
		// Closing is the last chance: every open invoice is charged, declined before or not.
		expect(
			toCharge(fx.state)
				.map((i) => i.id)
				.sort()
		).toEqual(['2023-10', '2023-11-final']);
		const [close] = closeWhenFinalIssued(fx.state);
		expect(close).toMatchObject({ kind: 'org.put', org: { status: 'closed' } });
		applyChanges(fx.state, [close!], 'test');
		expectRefused(fx.check('bill', { type: 'card.setDefault', cardId: 'c-2' }), 'ORG_CLOSED');
		expect(dueInvoices(fx.state, at('2024-01-01T00:00:00'))).toEqual([]);
	});

	it('an empty final invoice is issued paid', () => {
		const fx = owing();
		applyChanges(
			fx.state,
			[{ kind: 'org.put', org: { ...fx.state.org()!, status: 'closing', closingAt: at('2023-12-05T00:00:00') } }],
			'test'
		);
		const due = dueInvoices(fx.state, at('2023-12-05T01:00:00'));
		expect(due.map((i) => [i.id, i.status, i.totalCents])).toEqual([
			['2023-11', 'open', 1800],
			['2023-12-final', 'paid', 0]
		]);
	});

	it('without an unpaid balance it closes at once', () => {
		const fx = owing();
		const [open] = fx.state.billing().openInvoices();
		put(fx, afterCharge(open!, fx.state.billing().card('c-1')!, { ok: true }, NOW));
		expectAccepted(fx.run('ann', { type: 'org.close' }));
		expect(fx.state.org()!.status).toBe('closed');
	});
});
