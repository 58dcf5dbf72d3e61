import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type IdpContext } from 'oidc-provider';

/** A person at the test identity provider: its claims, groups changeable between sign-ins. */
export interface IdpUser {
	sub: string;
	email: string;
	email_verified: boolean;
	preferred_username: string;
	groups: string[];
	name?: string;
}

export const CLIENT_ID = 'roster';
export const CLIENT_SECRET = 'a client secret long enough for HS256 signing';

/**
 * A real OpenID provider (oidc-provider) on a free port: dev interactions (a login form that takes
 * any known login name), grants made at once (no consent page), a `groups` claim. The port is known
 * before Roster starts (its issuer); the client, which names Roster's redirect URI, after (`serve`).
 */
export class TestIdp {
	readonly users = new Map<string, IdpUser>();
	private readonly http: Server = createServer((_req, res) => res.writeHead(503).end());
	issuer = '';

	async listen() {
		await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
		this.issuer = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
		return this;
	}

	serve(redirectUri: string) {
		const users = this.users;
		const provider = new Provider(this.issuer, {
			clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [redirectUri], grant_types: ['authorization_code'] }],
			claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username', 'name'], groups: ['groups'] },
			pkce: { required: () => true },
			cookies: { keys: ['test cookie key'] },
			features: { devInteractions: { enabled: true } },
			findAccount: (_ctx: unknown, sub: string) => {
				const user = users.get(sub);
				return user && { accountId: sub, claims: () => ({ ...user }) };
			},
			// First-party client: the grant is made at once, no consent page.
			loadExistingGrant: async (ctx: IdpContext) => {
				const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
				grant.addOIDCScope('openid email profile groups');
				await grant.save();
				return grant;
			}
		});
		this.http.removeAllListeners('request');
		this.http.on('request', provider.callback());
	}

	close() {
		this.http.closeAllConnections();
		return new Promise<void>((resolve) => this.http.close(() => resolve()));
	}
}

/** A cookie jar of one browser, for one origin at a time. */
export class Browser {
	private readonly jar = new Map<string, Map<string, string>>();

	async get(url: string, init: RequestInit = {}): Promise<Response> {
		const u = new URL(url);
		const cookies = this.jar.get(u.host) ?? new Map<string, string>();
		const res = await fetch(u, {
			...init,
			redirect: 'manual',
			headers: { ...(init.headers as Record<string, string>), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') }
		});
		for (const c of res.headers.getSetCookie()) {
			const [pair] = c.split(';');
			const at = pair!.indexOf('=');
			const [name, value] = [pair!.slice(0, at), pair!.slice(at + 1)];
			if (value === '' || /max-age=0/i.test(c)) cookies.delete(name);
			else cookies.set(name, value);
		}
		this.jar.set(u.host, cookies);
		return res;
	}

	cookie(host: string, name: string): string | undefined {
		return this.jar.get(host)?.get(name);
	}

	setCookie(host: string, name: string, value: string) {
		const cookies = this.jar.get(host) ?? new Map<string, string>();
		cookies.set(name, value);
		this.jar.set(host, cookies);
	}

	/** Follows redirects (relative ones on the answering origin) until a page or a redirect to `stopAt`'s origin path. */
	async follow(res: Response, from: string, stop: (url: URL) => boolean): Promise<{ res: Response; url: URL }> {
		let url = new URL(from);
		while (res.status >= 300 && res.status < 400) {
			url = new URL(res.headers.get('location')!, url);
			if (stop(url)) return { res, url };
			res = await this.get(url.href);
		}
		return { res, url };
	}
}

/** Signs in at the provider's dev login form as `login`; answers where the provider sends the browser back to. */
export async function loginAtIdp(browser: Browser, authorizeUrl: string, login: string): Promise<URL> {
	const isRoster = (u: URL) => u.pathname.startsWith('/api/sso/');
	let { res, url } = await browser.follow(await browser.get(authorizeUrl), authorizeUrl, isRoster);
	if (isRoster(url)) return url;
	const form = new URL(url.href);
	res = await browser.get(form.href, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ prompt: 'login', login, password: 'any' }).toString()
	});
	({ url } = await browser.follow(res, form.href, isRoster));
	return url;
}
