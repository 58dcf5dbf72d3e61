import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { HttpError } from './http/types.ts';

/**
 * What every request meets before it reaches the API: the request target, the Origin check,
 * the client's address, the session cookie's name and the security headers of every answer.
 */
export interface EdgeOptions {
	/** Where people reach the server (`--public-url`); an https one turns on HSTS and the `__Host-` Secure cookie. */
	publicUrl: () => string;
	https: boolean;
	/** How many reverse proxies stand in front (`--trust-proxy`); 0 ignores X-Forwarded-For. */
	trustProxy: number;
}

/**
 * The policy a meta tag cannot carry (frame-ancestors) and what no page needs; the page's script
 * policy, with the hashes of its inline scripts, is the meta tag kit.csp writes into index.html.
 * A header `default-src`/`script-src` would have to repeat those hashes, since both policies apply.
 */
const PAGE_CSP = "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'";
/** JSON, errors and refusals are never rendered: they may load nothing. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The value of the first cookie with this name; a session token is base64url, so nothing is decoded. */
export function cookieValue(req: IncomingMessage, name: string): string | undefined {
	for (const part of (req.headers.cookie ?? '').split(';')) {
		const at = part.indexOf('=');
		if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
	}
	return undefined;
}

/** The request target as a URL: origin-form (`/path?query`) or absolute-form; anything else is refused. */
export function requestUrl(req: IncomingMessage): URL {
	const target = req.url ?? '';
	try {
		// Joined, not resolved against a base: `//x` would otherwise be read as a host.
		const url = new URL(target.startsWith('/') ? `http://localhost${target}` : target);
		if (url.protocol === 'http:' || url.protocol === 'https:') return url;
	} catch {
		// Falls through to the refusal.
	}
	throw new HttpError(400, 'BAD_PATH', 'The request path is not valid.');
}

/** One line per refused request; the path is quoted and cut so a request cannot write log lines of its own. */
export function logRefused(what: string, req: IncomingMessage | undefined, detail: string) {
	const target = req ? ` ${JSON.stringify(`${req.method ?? '?'} ${(req.url ?? '').slice(0, 200)}`)}` : '';
	console.error(`refused ${what}${target}: ${detail}`);
}

/**
 * An IPv6 host is handed a whole /64 (one network, addresses picked at will): counted by single
 * address, one host would be 2^64 clients to every per-address limit. So an IPv6 address counts
 * as its /64; IPv4 (mapped ones too), loopback and anything unreadable count as they are.
 */
export function limitKey(address: string): string {
	const bare = address.split('%')[0]!;
	if (isIP(bare) !== 6 || bare.includes('.')) return address;
	const [head = '', tail] = bare.split('::');
	const left = head ? head.split(':') : [];
	const right = tail ? tail.split(':') : [];
	const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
	const prefix = groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16));
	// ::1 and IPv4 written in hex (::ffff:7f00:1) have an all-zero /64: those count as they are.
	return prefix.every((g) => g === '0') ? address : `${prefix.join(':')}::/64`;
}

export class WebEdge {
	/** `__Host-`: only this origin over https can set it, so a sibling subdomain cannot plant a session. */
	readonly cookieName: string;

	constructor(private readonly options: EdgeOptions) {
		this.cookieName = options.https ? '__Host-roster_session' : 'roster_session';
	}

	/** The headers every answer carries; `api`: JSON and refusals rather than the SPA's files. */
	headers(api: boolean): Record<string, string> {
		return {
			'content-security-policy': api ? API_CSP : PAGE_CSP,
			'x-content-type-options': 'nosniff',
			'x-frame-options': 'DENY',
			// Links in the console carry ids; no other site needs to learn them.
			'referrer-policy': 'no-referrer',
			'cross-origin-opener-policy': 'same-origin',
			...(this.options.https ? { 'strict-transport-security': 'max-age=31536000' } : {})
		};
	}

	secure(res: ServerResponse, api: boolean) {
		for (const [name, value] of Object.entries(this.headers(api))) res.setHeader(name, value);
	}

	sessionToken(req: IncomingMessage): string | undefined {
		return cookieValue(req, this.cookieName);
	}

	/** The Set-Cookie value of a session; an empty token with no max age removes it. */
	sessionCookie(token: string, maxAgeS: number): string {
		return `${this.cookieName}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeS}${this.options.https ? '; Secure' : ''}`;
	}

	/**
	 * Whether a request comes from this site: its Origin is the Host it was sent to or the public
	 * URL's origin. An unreadable Origin ("null") counts as foreign. Without an Origin (curl, other
	 * non-browser clients) it is allowed unless the browser's Sec-Fetch-Site says another site sent it.
	 */
	sameOrigin(req: IncomingMessage): boolean {
		const origin = req.headers.origin;
		if (origin === undefined) {
			const site = req.headers['sec-fetch-site'];
			return site === undefined || site === 'same-origin' || site === 'none';
		}
		try {
			const url = new URL(origin);
			return url.host === req.headers.host || url.origin === new URL(this.options.publicUrl()).origin;
		} catch {
			return false;
		}
	}

	/**
	 * The address rate limits count a request against. Behind N trusted proxies each appends the
	 * address it was reached from to X-Forwarded-For, so the last N entries are theirs and the
	 * N-th from the right is the client as the outermost proxy saw it: the right-most hop no proxy
	 * of ours vouches for. Entries to its left are whatever the client sent, and are ignored.
	 * An IPv6 address counts as its /64 (limitKey).
	 */
	clientAddress(req: IncomingMessage): string {
		const direct = req.socket.remoteAddress ?? '?';
		const { trustProxy } = this.options;
		if (trustProxy === 0) return limitKey(direct);
		const hops = String(req.headers['x-forwarded-for'] ?? '')
			.split(',')
			.map((h) => h.trim())
			.filter(Boolean);
		// Fewer entries than proxies: the request skipped one; the farthest known address stands in.
		return limitKey(hops[Math.max(0, hops.length - trustProxy)] ?? direct);
	}

	/** Answers on the raw socket (an upgrade that does not become a websocket, a request Node could not parse), then closes it. */
	refuseSocket(socket: Duplex, status: number, code: string, message: string, extra: Record<string, string> = {}) {
		socket.on('error', () => socket.destroy());
		if (!socket.writable) return socket.destroy();
		const body = JSON.stringify({ code, message });
		const headers = {
			...this.headers(true),
			...extra,
			connection: 'close',
			'content-type': 'application/json',
			'content-length': String(Buffer.byteLength(body))
		};
		socket.once('finish', () => socket.destroy());
		socket.end(
			`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${Object.entries(headers)
				.map(([k, v]) => `${k}: ${v}\r\n`)
				.join('')}\r\n${body}`
		);
	}
}
