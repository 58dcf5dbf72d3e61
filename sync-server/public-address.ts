import { lookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export const PRIVATE_HOST = 'the webhook host is a private or local address; start the server with --allow-private-webhooks to allow it';

/** Loopback, private, link-local, shared, benchmark, multicast and reserved ranges: the server's own network, never a webhook's. */
const PRIVATE = new BlockList();
const IPV4 = [
	['0.0.0.0', 8],
	['10.0.0.0', 8],
	['100.64.0.0', 10],
	['127.0.0.0', 8],
	['169.254.0.0', 16],
	['172.16.0.0', 12],
	['192.0.0.0', 24],
	['192.168.0.0', 16],
	['198.18.0.0', 15],
	['224.0.0.0', 3]
] as const;
// ::/96 holds :: and ::1 and the IPv4-compatible form, ::ffff:0:0:0/96 the IPv4-translated one; 64:ff9b::/96 and 2002::/16 wrap IPv4 addresses (NAT64, 6to4).
const IPV6 = [
	['::', 96],
	['::ffff:0:0:0', 96],
	['64:ff9b::', 96],
	['2002::', 16],
	['fc00::', 7],
	['fe80::', 10],
	['ff00::', 8]
] as const;
for (const [net, bits] of IPV4) PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of IPV6) PRIVATE.addSubnet(net, bits, 'ipv6');

export function privateAddress(address: string): boolean {
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
	if (mapped) return PRIVATE.check(mapped, 'ipv4');
	return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request that answers only public addresses: the connection goes to
 * the address checked, so a name cannot answer public to a check and private to the connect.
 */
export function publicLookup(hostname: string, options: LookupOptions, callback: LookupCallback) {
	lookup(hostname, { ...options, all: true }, (err, addresses) => {
		if (err) return callback(err, '');
		if (!addresses.length || addresses.some((a) => privateAddress(a.address))) return callback(new Error(PRIVATE_HOST), '');
		if (options.all) return callback(null, addresses);
		callback(null, addresses[0]!.address, addresses[0]!.family);
	});
}

const LOOKUP_TIMEOUT_MS = 3000;

/**
 * The private address a webhook URL's host is at, if any: asked when the webhook is set, so that
 * one that can never be delivered is refused then. A name that does not resolve (yet) is not
 * refused: its deliveries say so. Delivery checks again (publicLookup), as a name may move.
 */
export async function privateAddressOf(url: string): Promise<string | undefined> {
	const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
	if (isIP(host)) return privateAddress(host) ? host : undefined;
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<[]>((resolve) => (timer = setTimeout(() => resolve([]), LOOKUP_TIMEOUT_MS)));
	const found = await Promise.race([dnsLookup(host, { all: true }).catch(() => []), timeout]).finally(() => clearTimeout(timer));
	return found.find((a) => privateAddress(a.address))?.address;
}
