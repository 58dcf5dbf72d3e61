import { publicProfile, type Directory, type Mutation, type UserProfile } from '$lib/domain/index.ts';

/** The account methods the hub reads; each may answer with a promise (an asynchronous accounts store). */
export interface Accounts {
	user(id: string): UserProfile | undefined | Promise<UserProfile | undefined>;
	userByUsername(username: string): UserProfile | undefined | Promise<UserProfile | undefined>;
	verifiedUsersByEmail(email: string): UserProfile[] | Promise<UserProfile[]>;
}

/** The users one check may ask about, fetched before it: the actor, and whoever the mutation names. */
export interface NamedUsers {
	byId: Map<string, UserProfile>;
	byUsername: Map<string, UserProfile>;
	byEmail: Map<string, UserProfile[]>;
	/** The private address the webhook a mutation sets is at, when the server's policy refuses such. */
	privateWebhook?: { url: string; address: string };
}

/** Where a webhook's host is, if the server's policy refuses it (private addresses); absent: every address is allowed. */
export type WebhookPolicy = ((url: string) => Promise<string | undefined>) | undefined;

const fold = (s: string) => s.trim().toLowerCase();

/**
 * Where the webhook a mutation sets goes, if the server's policy refuses it; undefined when there is nothing to look up.
 * Asked before the mutation enters its organization's lane: a slow lookup holds up only its sender, not the organization.
 */
export function webhookLookup(mutation: Mutation | undefined, webhooks: WebhookPolicy): Promise<NamedUsers['privateWebhook']> | undefined {
	if (!webhooks || mutation?.type !== 'org.setNotifications' || !mutation.webhook) return undefined;
	const url = mutation.webhook;
	return webhooks(url).then((address) => (address ? { url, address } : undefined));
}

/** Fetches the users a mutation names (by id, username or email) and its actor, as public profiles; `privateWebhook` as looked up before. */
export async function namedUsers(
	accounts: Accounts,
	actorId: string,
	mutation: Mutation,
	privateWebhook?: NamedUsers['privateWebhook']
): Promise<NamedUsers> {
	const named = mutation as { userId?: unknown; username?: unknown; email?: unknown };
	const ids = [actorId, ...(typeof named.userId === 'string' ? [named.userId] : [])];
	const out: NamedUsers = { byId: new Map(), byUsername: new Map(), byEmail: new Map() };
	for (const id of ids) {
		const user = await accounts.user(id);
		if (user) out.byId.set(id, publicProfile(user));
	}
	if (typeof named.username === 'string') {
		const user = await accounts.userByUsername(named.username);
		if (user) out.byUsername.set(fold(named.username), publicProfile(user));
	}
	if (typeof named.email === 'string')
		out.byEmail.set(fold(named.email), (await accounts.verifiedUsersByEmail(named.email)).map(publicProfile));
	if (privateWebhook) out.privateWebhook = privateWebhook;
	return out;
}

/** The users a batch of mutations names, for checking them in turn (a preview); `privateWebhook` as looked up before. */
export async function namedUsersOfBatch(
	accounts: Accounts,
	actorId: string,
	mutations: readonly Mutation[],
	privateWebhook?: NamedUsers['privateWebhook']
): Promise<NamedUsers> {
	const out: NamedUsers = { byId: new Map(), byUsername: new Map(), byEmail: new Map(), ...(privateWebhook && { privateWebhook }) };
	for (const m of mutations) {
		const named = await namedUsers(accounts, actorId, m);
		for (const [k, v] of named.byId) out.byId.set(k, v);
		for (const [k, v] of named.byUsername) out.byUsername.set(k, v);
		for (const [k, v] of named.byEmail) out.byEmail.set(k, v);
	}
	return out;
}

/**
 * The directory the rooms' state reads while a check runs: the domain's check is synchronous
 * and pure, so the users it may ask about are fetched first and lent to it for that check only.
 */
export class CheckDirectory implements Directory {
	private current: NamedUsers | undefined;

	/** Runs a check with these users at hand. */
	with<T>(users: NamedUsers, check: () => T): T {
		this.current = users;
		try {
			return check();
		} finally {
			this.current = undefined;
		}
	}

	user(id: string) {
		return this.current?.byId.get(id);
	}
	userByUsername(username: string) {
		return this.current?.byUsername.get(fold(username));
	}
	usersByEmail(email: string) {
		return this.current?.byEmail.get(fold(email)) ?? [];
	}
	privateWebhookAddress(url: string) {
		const found = this.current?.privateWebhook;
		return found?.url === url ? found.address : undefined;
	}
}
