import { z } from 'zod';
import { Email, Id, emailKey } from '$lib/domain/index.ts';
import { invoiceMail } from '../invoice-mail.ts';
import type { HttpApp, OrgRequest } from './deps.ts';
import { json, rateLimited } from './io.ts';
import { HttpError } from './types.ts';

export const Resend = z.strictObject({ org: Id, invoiceId: Id, email: Email });

/** POST /api/invoices/resend: rules §4, any invoice to the email of any of the organization's users. */
export async function resendInvoice({ deps, resends }: HttpApp, { res, me, org: state, body }: OrgRequest<z.infer<typeof Resend>>) {
	const invoice = state.billing().invoice(body.invoiceId);
	if (!invoice) throw new HttpError(404, 'INVOICE_NOT_FOUND', 'That invoice does not exist in this organization.');
	// A scan of the members: an HTTP request a person makes, not a mutation check.
	const member = state.members().find((m) => emailKey(m.email) === emailKey(body.email));
	if (!member)
		throw new HttpError(400, 'NOT_AN_ORG_EMAIL', "Invoices are sent only to the email address of one of the organization's users.");
	const wait = await resends.take(me.user.id, deps.now());
	if (wait > 0) throw rateLimited(wait, 'invoices sent');
	await deps.mailer.send(invoiceMail(member.email, state.org()?.name ?? body.org, body.org, invoice, deps.publicUrl()));
	json(res, 200, { sentTo: member.email });
}
