import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { Email, Id, emailKey, roleMay, unpaidCents, type OrgAction } from '$lib/domain/index.ts';
import { RateLimiter } from './auth.ts';
import type { HttpDeps } from './http.ts';
import { HttpError, json, parse, rateLimited, readJson } from './http-io.ts';
import { invoiceMail } from './invoice-mail.ts';
import { enterOrg } from './org-sessions.ts';
import type { SignedIn } from './profile-api.ts';
import { requireGate } from './two-factor-api.ts';

const Resend = z.strictObject({ org: Id, invoiceId: Id, email: Email });
const Pay = z.strictObject({ org: Id });

const REFUSED: Record<'billing.view' | 'billing.manage', string> = {
	'billing.view': "Only members who may view this organization's billing may send its invoices.",
	'billing.manage': 'Only organization owners and billing admins may pay invoices.'
};

/** Invoices over HTTP: re-send one by mail, and pay what is open now. */
export class InvoiceApi {
	// Each re-send is a mail to someone: a few dozen an hour per user is plenty for people, too few for a flood.
	private readonly mails = new RateLimiter(30, 60 * 60_000);

	constructor(private readonly deps: HttpDeps) {}

	/** The organization's state if `me` may take `action` on its billing (same answer for a foreign and a missing organization). */
	private async billingOf(me: SignedIn, orgId: string, action: Extract<OrgAction, 'billing.view' | 'billing.manage'>) {
		await enterOrg(this.deps.hub, me, orgId);
		const state = await this.deps.hub.orgState(orgId);
		const role = state?.member(me.user.id)?.role;
		if (!state || !role || !roleMay(role, action)) throw new HttpError(403, 'FORBIDDEN', REFUSED[action]);
		return state;
	}

	/** POST /api/invoices/resend: SPEC §4, any invoice to the email of any of the organization's users. */
	async resend(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		const input = parse(Resend, await readJson(req));
		const state = await this.billingOf(me, input.org, 'billing.view');
		// Sending mail in the organization's name is an act, not a view: held back by its required two-factor.
		requireGate(this.deps, me, state, 'invoice.resend');
		const invoice = state.billing().invoice(input.invoiceId);
		if (!invoice) throw new HttpError(404, 'INVOICE_NOT_FOUND', 'That invoice does not exist in this organization.');
		// A scan of the members: an HTTP request a person makes, not a mutation check.
		const member = state.members().find((m) => emailKey(m.email) === emailKey(input.email));
		if (!member) throw new HttpError(400, 'NOT_AN_ORG_EMAIL', "Invoices are sent only to the email address of one of the organization's users.");
		const now = this.deps.now();
		const wait = this.mails.retryAfter(me.user.id, now);
		if (wait > 0) throw rateLimited(wait, 'invoices sent');
		this.mails.count(me.user.id, now);
		await this.deps.mailer.send(invoiceMail(member.email, state.org()?.name ?? input.org, input.org, invoice, this.deps.publicUrl()));
		json(res, 200, { sentTo: member.email });
	}

	/** POST /api/invoices/pay: charges the open invoices again, as adding a card does; answers the balance left. */
	async pay(me: SignedIn, req: IncomingMessage, res: ServerResponse) {
		const input = parse(Pay, await readJson(req));
		const state = await this.billingOf(me, input.org, 'billing.manage');
		// A charge is a billing change (SPEC §4): the organization's required two-factor and the step-up hold here too.
		requireGate(this.deps, me, state, 'invoice.pay');
		if (state.org()?.status === 'closed') throw new HttpError(403, 'ORG_CLOSED', `${state.org()?.name} is closed and can no longer be changed.`);
		const wait = this.deps.billing.retryWait(input.org);
		if (wait > 0) throw rateLimited(wait, 'payment attempts');
		await this.deps.billing.retryOpen(input.org);
		json(res, 200, { unpaidCents: unpaidCents(state.billing()) });
	}
}
