import { z } from 'zod';
import { mayView } from '$lib/domain/index.ts';
import { MailLog, recentMail } from '../mail.ts';
import { enterOrg } from './org-access.ts';
import type { HttpApp } from './deps.ts';
import { json } from './io.ts';
import { refused } from './status.ts';
import { HttpError, type SignedInRequest } from './types.ts';

export const OrgQuery = z.object({ org: z.string().min(1).max(64) });

/**
 * GET /api/mail-log. rules §4: without SMTP (development), the primary admin reads the mail log
 * here — only the mail its organization sent (invitations, alerts, invoices): never another
 * organization's, and never a verification link, which would let it verify an address.
 */
export async function mailLog({ deps }: HttpApp, { res, me, query }: SignedInRequest<undefined, z.infer<typeof OrgQuery>>) {
	const { mailer, hub } = deps;
	await enterOrg(hub, me, query.org);
	if (!(mailer instanceof MailLog))
		throw new HttpError(404, 'NO_MAIL_LOG', 'Mail goes out through SMTP here, so there is no mail log to show.');
	const refusal = mayView(await hub.orgState(query.org), me.user.id, 'mailLog.read');
	if (refusal) throw refused(refusal);
	json(res, 200, { mails: recentMail(mailer, query.org, 50) });
}
