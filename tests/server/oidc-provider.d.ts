/** What the tests use of oidc-provider 8, which ships no types (9 does, but needs Node 22). */
declare module 'oidc-provider' {
	import type { IncomingMessage, ServerResponse } from 'node:http';

	interface Grant {
		addOIDCScope(scope: string): void;
		save(): Promise<string>;
	}

	export interface IdpContext {
		oidc: { client?: { clientId: string }; session?: { accountId?: string }; provider: Provider };
	}

	export default class Provider {
		constructor(issuer: string, configuration: Record<string, unknown>);
		callback(): (req: IncomingMessage, res: ServerResponse) => void;
		Grant: new (init: { clientId: string; accountId: string }) => Grant;
	}
}
