import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { ORG_ROLES, type MembershipAlert, type MembershipEvent } from '$lib/domain/index.ts';
import type { Mail, Mailer } from './mail.ts';
import type { DocumentStore, WebhookDelivery } from './storage/documents.ts';
import { PRIVATE_HOST, privateAddress, publicLookup } from './public-address.ts';

const WEBHOOK_TIMEOUT_MS = 5000;

function eventText(e: MembershipEvent): string {
	switch (e.change) {
		case 'joined':
			return `${e.username} joined as ${ORG_ROLES[e.role!].label}`;
		case 'left':
			return `${e.username} is no longer a member`;
		case 'role':
			return `${e.username} changed from ${ORG_ROLES[e.from!].label} to ${ORG_ROLES[e.role!].label}`;
		case 'primary admin':
			return `${e.username} is now the primary admin`;
	}
}

/** The alert in words: one line per change, then who made it and when. */
function alertText(a: MembershipAlert): string {
	return [
		`Membership of ${a.org.name} changed:`,
		...a.events.map((e) => `- ${eventText(e)}`),
		'',
		`By ${a.actor.username} (${a.mutation}) at ${new Date(a.at).toISOString()}.`
	].join('\n');
}

function alertMail(a: MembershipAlert, to: string): Mail {
	return { orgId: a.org.id, to, subject: `Roster: membership of ${a.org.name} changed`, text: alertText(a) };
}

/** Why a delivery failed, as the panel says it after "Last delivery failed: " (the status, when one was answered, is shown on its own). */
function failureText(err: unknown): string | null {
	if ((err as { status?: number }).status) return null;
	const { code, name, message } = err as NodeJS.ErrnoException;
	if (message === PRIVATE_HOST) return 'the address is private or local, where Roster does not post alerts';
	if (name === 'TimeoutError' || name === 'AbortError') return 'no answer in time';
	if (code === 'ECONNREFUSED') return 'connection refused';
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name was not found';
	if (code === 'ECONNRESET' || code === 'EPIPE') return 'the connection was cut';
	if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'the host cannot be reached';
	if (code?.startsWith('ERR_TLS') || /certificate/i.test(message)) return 'its certificate was not accepted';
	return `it could not be reached${code ? ` (${code})` : ''}`;
}

/** The webhook's JSON: names, ids, roles and the time; channels and anything secret stay out. */
function webhookPayload(a: MembershipAlert) {
	return {
		type: 'roster.membership',
		org: a.org,
		actor: a.actor,
		mutation: a.mutation,
		events: a.events,
		at: new Date(a.at).toISOString(),
		text: alertText(a)
	};
}

/**
 * Sends membership alerts to an organization's channels, after the change is durable.
 * Never throws and blocks nothing: a channel that fails or hangs is logged (without its
 * URL, which may hold a token) and the other channel still gets the alert.
 */
export class MembershipAlerts {
	constructor(
		private readonly mailer: Mailer,
		private readonly timeoutMs = WEBHOOK_TIMEOUT_MS,
		/** Post to loopback and private addresses too (a webhook receiver on the same network). */
		private readonly allowPrivate = false,
		/** Where each delivery's outcome is kept, for the primary admin to see. */
		private readonly deliveries?: Pick<DocumentStore, 'recordDelivery'>
	) {}

	async send(a: MembershipAlert): Promise<void> {
		const { email, webhook } = a.channels;
		const where = `${a.org.name} (${a.org.id})`;
		await Promise.all([
			email &&
				this.mailer
					.send(alertMail(a, email))
					.catch((err: unknown) => console.error(`Membership alert email for ${where} failed:`, String(err))),
			webhook && this.deliver(webhook, a, where)
		]);
	}

	/** Posts the alert and keeps how it went: the status answered, or why there was none. */
	private async deliver(url: string, a: MembershipAlert, where: string) {
		let outcome: Omit<WebhookDelivery, 'at'>;
		try {
			outcome = { status: await this.post(url, a), error: null };
		} catch (err) {
			console.error(`Membership alert webhook for ${where} failed:`, String(err));
			outcome = { status: (err as { status?: number }).status ?? null, error: failureText(err) };
		}
		await this.deliveries
			?.recordDelivery(a.org.id, url, { at: Date.now(), ...outcome })
			.catch((err: unknown) => console.error(`Recording the webhook delivery for ${where} failed:`, String(err)));
	}

	/**
	 * One POST, no redirects (the configured URL is the only one posted to). Any primary admin
	 * sets a webhook, so unless told otherwise it goes only to public addresses: the server is no
	 * way into the network it runs in.
	 */
	private post(url: string, a: MembershipAlert): Promise<number> {
		const target = new URL(url);
		const literal = target.hostname.replace(/^\[|\]$/g, '');
		// An address written in the URL is never looked up, so it is checked here.
		if (!this.allowPrivate && isIP(literal) && privateAddress(literal)) return Promise.reject(new Error(PRIVATE_HOST));
		const body = JSON.stringify(webhookPayload(a));
		const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
		return new Promise((resolve, reject) => {
			const req = send(
				target,
				{
					method: 'POST',
					headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Roster' },
					signal: AbortSignal.timeout(this.timeoutMs),
					...(this.allowPrivate ? {} : { lookup: publicLookup })
				},
				(res) => {
					res.resume();
					const status = res.statusCode ?? 0;
					if (status >= 200 && status < 300) resolve(status);
					else reject(Object.assign(new Error(`the webhook answered ${status}`), { status }));
				}
			);
			req.on('error', reject);
			req.end(body);
		});
	}
}
