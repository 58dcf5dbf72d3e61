import { readFileSync } from 'node:fs';
import * as client from 'openid-client';
import { z } from 'zod';
import { SsoProviderId } from '$lib/domain/index.ts';

/** One identity provider as the operator configures it (docs/sso.md). */
export const OidcProviderConfig = z.strictObject({
	id: SsoProviderId,
	/** What the sign-in button says: "Sign in with <name>". */
	name: z.string().trim().min(1).max(60),
	issuer: z.url({ protocol: /^https?$/ }),
	clientId: z.string().min(1).max(500),
	clientSecret: z.string().min(1).max(2000),
	scopes: z
		.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/))
		.max(20)
		.default(['openid', 'email', 'profile']),
	/** The claim (of the ID token or userinfo) that lists the person's groups. */
	groupsClaim: z.string().min(1).max(100).default('groups'),
	/**
	 * The organizations whose mapping this provider's sign-ins may apply (by id). Absent: every
	 * organization on this server, which suits a server of one company; a server shared by several
	 * must list them, or any organization could link the provider and take in its people.
	 */
	organizations: z.array(z.string().min(1).max(64)).max(10_000).optional(),
	/** Development and tests only: an http:// issuer. */
	allowHttp: z.boolean().default(false)
});
export type OidcProviderConfig = z.infer<typeof OidcProviderConfig>;

export const OidcConfigFile = z.strictObject({
	providers: z
		.array(OidcProviderConfig)
		.max(20)
		.refine((ps) => new Set(ps.map((p) => p.id)).size === ps.length, 'Each provider needs an id of its own')
});

/** The --oidc-config file; a mistake is said in one sentence that never quotes a secret. */
export function loadOidcConfig(path: string): OidcProviderConfig[] {
	let raw: unknown;
	try {
		raw = JSON.parse(readFileSync(path, 'utf8'));
	} catch (err) {
		throw new Error(`${path} is not a readable JSON file: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
	}
	const parsed = OidcConfigFile.safeParse(raw);
	if (!parsed.success) {
		const first = parsed.error.issues[0]!;
		throw new Error(`${path}: ${first.path.join('.') || 'the file'}: ${first.message}`);
	}
	return parsed.data.providers;
}

/** The configured providers, each discovered once (on first use, again after a failure). */
export class OidcProviders {
	private readonly byId: Map<string, OidcProviderConfig>;
	private readonly discovered = new Map<string, Promise<client.Configuration>>();

	constructor(providers: readonly OidcProviderConfig[]) {
		this.byId = new Map(providers.map((p) => [p.id, p]));
	}

	/** What anyone may see: ids and names, never the client's credentials. */
	list(): { id: string; name: string }[] {
		return [...this.byId.values()].map(({ id, name }) => ({ id, name }));
	}

	get(id: string): OidcProviderConfig | undefined {
		return this.byId.get(id);
	}

	configuration(p: OidcProviderConfig): Promise<client.Configuration> {
		let found = this.discovered.get(p.id);
		if (!found) {
			const options = p.allowHttp ? { execute: [client.allowInsecureRequests] } : undefined;
			found = client.discovery(new URL(p.issuer), p.clientId, p.clientSecret, undefined, options);
			this.discovered.set(p.id, found);
			found.catch(() => this.discovered.delete(p.id));
		}
		return found;
	}
}
