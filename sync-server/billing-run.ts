import { afterCharge, billingAddress, chargeOrder, closeWhenFinalIssued, dueInvoices, toCharge, withoutCard } from '$lib/domain/index.ts';
import type { Invoice } from '$lib/domain/index.ts';
import type { SyncHub } from './hub.ts';
import { chargeFailedMail } from './invoice-mail.ts';
import type { Limiter, Limits } from './limits.ts';
import type { Mailer } from './mail.ts';
import { OrgRun } from './org-run.ts';
import type { PaymentProcessor } from './payments.ts';

export interface BillingRunDeps {
	hub: SyncHub;
	payments: PaymentProcessor;
	mailer: Mailer;
	now: () => number;
	/** The origin links in mail point to. */
	publicUrl: () => string;
	/** Shared by every server on the store: the retries' limit, and each organization's lock while it is billed. */
	limits: Limits;
}

/**
 * The server's billing: issues each organization's due invoices (the prior month's; a
 * closing organization's final one), charges them, and closes a closing organization
 * once its final invoice is out. Everything it writes goes through the hub as server
 * changes. Runs and retries are queued one after another, and each holds its organization's
 * lock across servers (every server runs the billing), so an invoice is never issued or charged
 * twice at once; under the lock, the organization is read as committed by any server.
 */
export class BillingRun extends OrgRun<BillingRunDeps> {
	private readonly retries: Limiter;

	constructor(deps: BillingRunDeps) {
		super('billing', deps);
		this.retries = deps.limits.limiter('billing-retry', 5, 60 * 60_000);
	}

	/** Visits every organization once; resolves when all are issued, charged and durable. */
	run(): Promise<void> {
		return this.eachOrg((orgId) => this.runOrg(orgId));
	}

	/**
	 * Charging again on request (Pay now, a new card) tries every card and may mail the billing
	 * address: a few times an hour per organization, counted across servers. Takes one now if there
	 * is something open to charge and the hour has room: 0, else milliseconds to wait; undefined
	 * when nothing is open (nothing counted).
	 */
	async takeRetry(orgId: string): Promise<number | undefined> {
		if (!(await this.deps.hub.orgState(orgId))?.billing().openInvoices().length) return undefined;
		return this.retries.take(orgId, this.deps.now());
	}

	/**
	 * Charges an organization's open invoices again (after takeRetry); skipped while another server
	 * bills it. Queued at once, so that a run asked for after it waits for it.
	 */
	retryOpen(orgId: string): Promise<void> {
		return this.serial(() =>
			this.locked(orgId, async () => {
				const open = (await this.deps.hub.orgState(orgId))?.billing().openInvoices() ?? [];
				await this.charge(
					orgId,
					open.map((i) => i.id)
				);
			})
		);
	}

	private async runOrg(orgId: string) {
		const { hub, now } = this.deps;
		const state = await hub.orgState(orgId);
		const status = state?.org()?.status;
		if (!state || status === undefined || status === 'closed') return;
		const due = dueInvoices(state, now());
		await hub.applyServerChanges(
			orgId,
			due.map((invoice) => ({ kind: 'invoice.put', invoice }))
		);
		// What was just issued, or issued by a run interrupted before charging; when closing, everything open.
		await this.charge(
			orgId,
			toCharge(state).map((i) => i.id)
		);
		await hub.applyServerChanges(orgId, closeWhenFinalIssued(state));
	}

	/** Each invoice on the default card, then the others; if none pays, the billing address is told. */
	private async charge(orgId: string, invoiceIds: readonly string[]) {
		const { hub, payments, now } = this.deps;
		const state = await hub.orgState(orgId);
		if (!state || !invoiceIds.length) return;
		const unpaid: Invoice[] = [];
		const cards = chargeOrder(state.billing());
		for (const invoiceId of invoiceIds) {
			let invoice = state.billing().invoice(invoiceId);
			if (invoice?.status !== 'open') continue;
			if (!cards.length) {
				invoice = withoutCard(invoice, now());
				await hub.applyServerChanges(orgId, [{ kind: 'invoice.put', invoice }]);
			}
			for (const card of cards) {
				const result = await payments
					.charge({ orgId, invoiceId, card, cents: invoice.totalCents })
					.catch(() => ({ ok: false as const, reason: 'The payment processor could not be reached.' }));
				invoice = afterCharge(invoice, card, result, now());
				await hub.applyServerChanges(orgId, [{ kind: 'invoice.put', invoice }]);
				if (invoice.status === 'paid') break;
			}
			if (invoice.status === 'open') unpaid.push(invoice);
		}
		const to = billingAddress(state);
		if (!unpaid.length || !to) return;
		const mail = chargeFailedMail(to, state.org()?.name ?? orgId, orgId, unpaid, cards.length === 0, this.deps.publicUrl());
		await this.deps.mailer.send(mail).catch((err: unknown) => console.error('billing mail failed', err));
	}
}
