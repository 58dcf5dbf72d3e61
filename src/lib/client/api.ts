import type {
	AccessDiff,
	AccessReport,
	Card,
	CardEntry,
	EmailChange,
	EntryNames,
	ManagedPasswordReset,
	ManagedUserCreate,
	ManagedUserUpdate,
	OrgRole,
	PasswordChange,
	ProfileUpdate,
	UserProfile
} from '../domain/index.ts';

export type ApiResult<T> = ({ ok: true } & T) | { ok: false; status: number; code: string; message: string };

/** The account API; a network failure is an answer too (status 0), never a throw. */
async function call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
	let res: Response;
	try {
		res = await fetch(path, {
			method,
			headers: body === undefined ? {} : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
			credentials: 'same-origin'
		});
	} catch {
		return { ok: false, status: 0, code: 'OFFLINE', message: 'The server cannot be reached. Check your connection.' };
	}
	const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
	if (res.ok) return { ok: true, ...(data as T) };
	return {
		ok: false,
		status: res.status,
		code: String(data.code ?? 'ERROR'),
		message: String(data.message ?? `The server answered ${res.status}.`)
	};
}

export interface ActivityEntry {
	seq: number;
	at: number;
	actor: { id: string; username: string };
	type: string;
	mutation: Record<string, unknown> | null;
	/** The names it mentions as they were then; null for an entry recorded before names were kept. */
	names: EntryNames | null;
	ok: boolean;
	code: string | null;
	message: string | null;
}

/** A service account as its owners list it: the document's metadata with each secret's last use (server-side only). */
export interface ListedServiceAccount {
	userId: string;
	username: string | null;
	secrets: { id: string; lastUsedAt: number | null }[];
}

export const api = {
	activity: (params: Record<string, string>) =>
		call<{ entries: ActivityEntry[]; more: boolean }>('GET', `/api/activity?${new URLSearchParams(params).toString()}`),
	/** rules §2 "History": the organization as it was at `at` (ms), and what changed from `from` to `to`. */
	history: (org: string, at: number) => call<AccessReport>('GET', `/api/orgs/${encodeURIComponent(org)}/history?at=${at}`),
	historyDiff: (org: string, from: number, to: number) =>
		call<AccessDiff>('GET', `/api/orgs/${encodeURIComponent(org)}/history/diff?from=${from}&to=${to}`),
	/** The number goes to the server's card route only, never into a mutation or the outbox. */
	addCard: (org: string, entry: CardEntry) => call<{ card: Card }>('POST', '/api/cards', { org, ...entry }),
	/** Development (no SMTP): recent mail to the organization's members and invitees, for its primary admin. */
	mailLog: (org: string) =>
		call<{ mails: { to: string; subject: string; text: string; sentAt: string }[] }>('GET', `/api/mail-log?org=${encodeURIComponent(org)}`),
	/** How the latest post to the organization's webhook went: the HTTP status answered, or why none was (error). */
	webhookDelivery: (org: string) =>
		call<{ delivery: { at: number; status: number | null; statusText: string | null; ok: boolean; error: string | null } | null }>(
			'GET',
			`/api/webhook-delivery?org=${encodeURIComponent(org)}`
		),
	me: () => call<{ user: UserProfile; stepUpValidForMs: number; recoveryCodesLeft: number }>('GET', '/api/me'),
	/**
	 * Two-factor (rules §4): enrolment hands out a key and its QR code; it is on once a code from it
	 * is confirmed. Turning it on or off and new recovery codes take the current password too.
	 */
	twoFactorSetup: () => call<{ secret: string; uri: string; qr: string }>('POST', '/api/me/two-factor/setup', {}),
	twoFactorEnable: (code: string, password: string) =>
		call<{ user: UserProfile; recoveryCodes: string[]; stepUpValidForMs: number }>('POST', '/api/me/two-factor/enable', { code, password }),
	twoFactorDisable: (code: string, password: string) =>
		call<{ user: UserProfile }>('POST', '/api/me/two-factor/disable', { code, password }),
	newRecoveryCodes: (code: string, password: string) =>
		call<{ recoveryCodes: string[] }>('POST', '/api/me/two-factor/recovery-codes', { code, password }),
	stepUp: (code: string) => call<{ stepUpValidForMs: number }>('POST', '/api/me/step-up', { code }),
	/** Users the organization manages: only its primary admin may (the server asks the domain). */
	createManagedUser: (input: ManagedUserCreate) => call<{ user: UserProfile }>('POST', '/api/managed-users', input),
	updateManagedUser: (input: ManagedUserUpdate) => call<{ user: UserProfile }>('PATCH', '/api/managed-users', input),
	resetManagedPassword: (input: ManagedPasswordReset) => call<{ user: UserProfile }>('POST', '/api/managed-users/password', input),
	deleteManagedUser: (userId: string) => call<object>('DELETE', '/api/managed-users', { userId }),
	/** rules §5: service accounts, which the server creates, gives secrets (answered once) and deletes; owners only. */
	serviceAccounts: (org: string) =>
		call<{ accounts: ListedServiceAccount[] }>('GET', `/api/service-accounts?org=${encodeURIComponent(org)}`),
	createServiceAccount: (input: { org: string; username: string; description: string; role: OrgRole }) =>
		call<{ account: { userId: string } }>('POST', '/api/service-accounts', input),
	createServiceSecret: (org: string, userId: string, expiresInDays: number) =>
		call<{ secret: string; secretId: string; expiresAt: number }>('POST', '/api/service-accounts/secrets', { org, userId, expiresInDays }),
	deleteServiceAccount: (org: string, userId: string) => call<object>('DELETE', '/api/service-accounts', { org, userId }),
	/** Mails an invoice to the address of one of the organization's users. */
	resendInvoice: (org: string, invoiceId: string, email: string) =>
		call<{ sentTo: string }>('POST', '/api/invoices/resend', { org, invoiceId, email }),
	/** Charges the open invoices again; answers the balance left. */
	payInvoices: (org: string) => call<{ unpaidCents: number }>('POST', '/api/invoices/pay', { org }),
	updateProfile: (input: ProfileUpdate) => call<{ user: UserProfile }>('PATCH', '/api/me', input),
	changeEmail: (input: EmailChange) => call<{ user: UserProfile }>('POST', '/api/me/email', input),
	resendVerification: () => call<{ user: UserProfile }>('POST', '/api/me/resend-verification', {}),
	changePassword: (input: PasswordChange) => call<{ user: UserProfile }>('POST', '/api/me/password', input),
	signIn: (username: string, password: string, code?: string) =>
		call<{ user: UserProfile }>('POST', '/api/signin', { username, password, ...(code ? { code } : {}) }),
	signUp: (input: { username: string; email: string; password: string; displayName: string }) =>
		call<{ user: UserProfile }>('POST', '/api/signup', input),
	signOut: () => call<object>('POST', '/api/signout', {}),
	/** rules §2 single sign-on: the identity providers the sign-in page offers. */
	ssoProviders: () => call<{ providers: { id: string; name: string }[] }>('GET', '/api/sso/providers'),
	/** Links the provider's sign-in (held in a short-lived cookie) to this user once its password (and code) prove it. */
	ssoLink: (provider: string, password: string, code?: string) =>
		call<{ user: UserProfile; location: string }>('POST', `/api/sso/${encodeURIComponent(provider)}/link`, {
			password,
			...(code ? { code } : {})
		})
};
