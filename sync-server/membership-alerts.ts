import { ORG_ROLES, type MembershipAlert, type MembershipEvent } from '$lib/domain/index.ts';
import type { Mail, Mailer } from './mail.ts';

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
	return { to, subject: `Roster: membership of ${a.org.name} changed`, text: alertText(a) };
}

/** The webhook's JSON: names, ids, roles and the time; channels and anything secret stay out. */
function webhookPayload(a: MembershipAlert) {
	return { type: 'roster.membership', org: a.org, actor: a.actor, mutation: a.mutation, events: a.events, at: new Date(a.at).toISOString(), text: alertText(a) };
}

/**
 * Sends membership alerts to an organization's channels, after the change is durable.
 * Never throws and blocks nothing: a channel that fails or hangs is logged (without its
 * URL, which may hold a token) and the other channel still gets the alert.
 */
export class MembershipAlerts {
	constructor(
		private readonly mailer: Mailer,
		private readonly timeoutMs = WEBHOOK_TIMEOUT_MS
	) {}

	async send(a: MembershipAlert): Promise<void> {
		const { email, webhook } = a.channels;
		const where = `${a.org.name} (${a.org.id})`;
		await Promise.all([
			email && this.mailer.send(alertMail(a, email)).catch((err: unknown) => console.error(`Membership alert email for ${where} failed:`, String(err))),
			webhook && this.post(webhook, a).catch((err: unknown) => console.error(`Membership alert webhook for ${where} failed:`, String(err)))
		]);
	}

	private async post(url: string, a: MembershipAlert) {
		const res = await fetch(url, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'user-agent': 'Roster' },
			body: JSON.stringify(webhookPayload(a)),
			signal: AbortSignal.timeout(this.timeoutMs),
			// A redirect could lead anywhere; the configured URL is the only one posted to.
			redirect: 'manual'
		});
		await res.body?.cancel();
		if (!res.ok) throw new Error(`the webhook answered ${res.status}`);
	}
}
