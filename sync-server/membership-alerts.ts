import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ORG_ROLES, type MembershipAlert, type MembershipEvent } from '$lib/domain/index.ts';
import type { Mail, Mailer } from './mail.ts';

const WEBHOOK_TIMEOUT_MS = 5000;

/** Loopback, private, link-local and unspecified ranges: the server's own network, not a webhook's. */
const PRIVATE = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) {
	PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) PRIVATE.addSubnet(net, bits, 'ipv6');

function privateAddress(address: string): boolean {
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
	if (mapped) return PRIVATE.check(mapped, 'ipv4');
	return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Any organization's primary admin sets a webhook, so the server posts only to public
 * addresses (unless told otherwise): it is no way into the network it runs in.
 */
async function assertPublic(url: string) {
	const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
	const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
	if (addresses.some(privateAddress)) throw new Error('the webhook host is a private or local address; start the server with --allow-private-webhooks to allow it');
}

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
		private readonly timeoutMs = WEBHOOK_TIMEOUT_MS,
		/** Post to loopback and private addresses too (a webhook receiver on the same network). */
		private readonly allowPrivate = false
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
		if (!this.allowPrivate) await assertPublic(url);
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
