import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import {
	DisplayName,
	Email,
	Password,
	Username,
	cardFromEntry,
	membersCsv,
	orgExport,
	publicProfile,
	roleMay,
	type UserProfile
} from '$lib/domain/index.ts';
import { PasswordAttempts, hashIsCurrent, hashPassword, newToken, tokenHash, type ScryptCost } from './auth.ts';
import { refuseWeakPassword } from './common-passwords.ts';
import { HttpError, json, parse, rateLimited, readJson, spendBudget, unauthenticated, usernameTaken } from './http-io.ts';
import type { BillingRun } from './billing-run.ts';
import type { SyncHub } from './hub.ts';
import type { DocumentStore } from './storage/documents.ts';
import { FileOutbox, recentMail, type Mailer } from './mail.ts';
import { MailLimits } from './mail-limits.ts';
import { ManagedUsersApi } from './managed-users-api.ts';
import { enterOrg } from './org-sessions.ts';
import { InvoiceApi } from './invoice-api.ts';
import { ProfileApi, type SignedIn } from './profile-api.ts';
import { serveStatic } from './static-files.ts';
import { TwoFactorApi } from './two-factor-api.ts';
import type { Store } from './store.ts';
import { logRefused, requestUrl, type WebEdge } from './web-edge.ts';

const SESSION_MAX_AGE_S = 30 * 24 * 3600;
/** Live sessions a user may hold (browsers, devices); a new sign-in beyond them ends the oldest. */
const SESSIONS_PER_USER = 50;
const VERIFY_TTL_MS = 48 * 3600 * 1000;

/** Refusals of requests the app never sends (probes, broken or forged clients): each is logged on one line. */
const MALFORMED = new Set(['BAD_PATH', 'BAD_ORIGIN', 'METHOD_NOT_ALLOWED', 'UNSUPPORTED', 'TOO_LARGE', 'INVALID_JSON', 'INCOMPLETE_BODY']);

const SignUp = z.strictObject({ username: Username, email: Email, password: Password, displayName: DisplayName.default('') });
const ActivityQuery = z.object({
	org: z.string().min(1).max(64),
	user: z.string().max(64).optional(),
	teamId: z.string().max(64).optional(),
	projectId: z.string().max(64).optional(),
	kind: z.string().max(64).optional(),
	before: z.coerce.number().int().positive().optional(),
	limit: z.coerce.number().int().min(1).max(200).default(50)
});
const OrgQuery = z.object({ org: z.string().min(1).max(64) });
const ExportQuery = z.object({ org: z.string().min(1).max(64), format: z.enum(['json', 'csv']).default('json') });
const SignIn = z.strictObject({ username: z.string().max(64), password: z.string().max(200), code: z.string().trim().max(32).optional() });

export interface HttpDeps {
	store: Store;
	documents: DocumentStore;
	hub: SyncHub;
	mailer: Mailer;
	billing: BillingRun;
	staticDir: string;
	now: () => number;
	/** The origin links in mail point to (set once the port is known). */
	publicUrl: () => string;
	/** What new password hashes cost; older ones are rehashed at sign-in. */
	scrypt: ScryptCost;
	/** Accounts one client address may create an hour. */
	signUpsPerHour: number;
	/** Origin check, client address, session cookie and security headers. */
	edge: WebEdge;
}

/** The account API and the static SPA; every unknown app path gets index.html. */
export class HttpApi {
	private readonly attempts: PasswordAttempts;
	private readonly mails: MailLimits;
	private readonly profile: ProfileApi;
	private readonly twoFactor: TwoFactorApi;
	private readonly managedUsers: ManagedUsersApi;
	private readonly invoices: InvoiceApi;

	constructor(private readonly deps: HttpDeps) {
		this.attempts = new PasswordAttempts(deps.scrypt);
		this.mails = new MailLimits(deps.signUpsPerHour);
		this.profile = new ProfileApi(deps, this.attempts, this.mails, (user) => this.sendVerification(user));
		this.twoFactor = new TwoFactorApi(deps, this.attempts);
		this.managedUsers = new ManagedUsersApi(deps, this.mails, (user) => this.sendVerification(user));
		this.invoices = new InvoiceApi(deps);
	}

	/** The signed-in user of a request and its session's hash, from the session cookie. */
	session(req: IncomingMessage): SignedIn | undefined {
		const token = this.deps.edge.sessionToken(req);
		if (!token) return undefined;
		const hash = tokenHash(token);
		if (!this.sessionLive(hash)) return undefined;
		const user = this.deps.store.user(this.deps.store.session(hash)!.user_id);
		return user && { user: publicProfile(user), hash };
	}

	private signedIn(req: IncomingMessage): SignedIn {
		const session = this.session(req);
		if (!session) throw unauthenticated();
		return session;
	}

	/**
	 * Whether a session exists and is younger than Roster's 30 days; an ended session is deleted.
	 * An organization's timeouts end access to that organization only (SyncHub.enterOrg), never the session.
	 */
	sessionLive = (hash: string): boolean => {
		const session = this.deps.store.session(hash);
		if (!session) return false;
		const live = this.deps.now() - session.created_at <= SESSION_MAX_AGE_S * 1000;
		if (!live) this.deps.store.deleteSession(hash);
		return live;
	};

	/** Every request ends in an answer: a refusal or a failure is this request's alone, never the process's. */
	handle = (req: IncomingMessage, res: ServerResponse) => {
		this.route(req, res)
			.catch((err: unknown) => this.fail(req, res, err))
			.catch((err: unknown) => {
				console.error('http error while answering an error', err);
				res.destroy();
			});
	};

	private fail(req: IncomingMessage, res: ServerResponse, err: unknown) {
		const e = err instanceof HttpError ? err : new HttpError(500, 'INTERNAL', 'Something went wrong on the server.');
		if (!(err instanceof HttpError)) console.error('http error', err);
		else if (MALFORMED.has(e.code)) logRefused('request', req, e.message);
		if (res.headersSent) return res.end();
		this.deps.edge.secure(res, true);
		res.writeHead(e.status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...e.headers });
		res.end(JSON.stringify({ code: e.code, message: e.message }));
	}

	private async route(req: IncomingMessage, res: ServerResponse) {
		const url = requestUrl(req);
		const path = url.pathname;
		const { edge } = this.deps;
		const api = path.startsWith('/api/');
		edge.secure(res, api);
		if (!api) return serveStatic(this.deps.staticDir, req, path, res);
		// A browser sends this site's Origin with every write; any other (or "null") is a forged form or script.
		if (req.method !== 'GET' && req.method !== 'HEAD' && !edge.sameOrigin(req)) {
			throw new HttpError(403, 'BAD_ORIGIN', 'This request came from another site, so it was refused.');
		}
		const key = `${req.method} ${path}`;
		switch (key) {
			case 'POST /api/signup':
				return this.signUp(req, res);
			case 'POST /api/signin':
				return this.signIn(req, res);
			case 'POST /api/signout':
				return this.signOut(req, res);
			case 'GET /api/me': {
				const me = this.signedIn(req);
				return json(res, 200, { user: me.user, ...this.twoFactor.status(me) });
			}
			case 'POST /api/me/two-factor/setup':
				return this.twoFactor.setup(this.signedIn(req), req, res);
			case 'POST /api/me/two-factor/enable':
				return this.twoFactor.enable(this.signedIn(req), req, res);
			case 'POST /api/me/two-factor/disable':
				return this.twoFactor.disable(this.signedIn(req), req, res);
			case 'POST /api/me/two-factor/recovery-codes':
				return this.twoFactor.newRecoveryCodes(this.signedIn(req), req, res);
			case 'POST /api/me/step-up':
				return this.twoFactor.stepUp(this.signedIn(req), req, res);
			case 'PATCH /api/me':
				return this.profile.update(this.signedIn(req), req, res);
			case 'POST /api/me/email':
				return this.profile.changeEmail(this.signedIn(req), req, res);
			case 'POST /api/me/resend-verification':
				return this.profile.resendVerification(this.signedIn(req), req, res);
			case 'POST /api/me/password':
				return this.profile.changePassword(this.signedIn(req), req, res);
			case 'POST /api/managed-users':
				return this.managedUsers.create(this.signedIn(req), req, res);
			case 'PATCH /api/managed-users':
				return this.managedUsers.update(this.signedIn(req), req, res);
			case 'POST /api/managed-users/password':
				return this.managedUsers.resetPassword(this.signedIn(req), req, res);
			case 'DELETE /api/managed-users':
				return this.managedUsers.remove(this.signedIn(req), req, res);
			case 'GET /api/verify-email':
				return this.verifyEmail(url, res);
			case 'GET /api/activity':
				return this.activity(req, url, res);
			case 'POST /api/cards':
				return this.addCard(req, res);
			case 'GET /api/export':
				return this.export(req, url, res);
			case 'GET /api/outbox':
				return this.outbox(req, url, res);
			case 'POST /api/invoices/resend':
				return this.invoices.resend(this.signedIn(req), req, res);
			case 'POST /api/invoices/pay':
				return this.invoices.pay(this.signedIn(req), req, res);
			default:
				throw new HttpError(404, 'NOT_FOUND', `No API at ${req.method} ${path}.`);
		}
	}

	private async signUp(req: IncomingMessage, res: ServerResponse) {
		const input = parse(SignUp, await readJson(req));
		if (this.deps.store.userByUsername(input.username)) throw usernameTaken(input.username);
		refuseWeakPassword(input.password);
		this.mails.countSignUp(this.deps.edge.clientAddress(req), input.email, this.deps.now());
		const user = {
			id: crypto.randomUUID(),
			username: input.username,
			email: input.email,
			emailVerified: false,
			displayName: input.displayName,
			passwordHash: await hashPassword(input.password, this.deps.scrypt)
		};
		try {
			this.deps.store.insertUser(user, this.deps.now());
		} catch {
			throw usernameTaken(input.username);
		}
		// The account exists either way: if the mail server is down, the Account page's "Resend link" tries again.
		await this.sendVerification(user).catch((err: unknown) => console.error('verification mail failed', err));
		this.startSession(res, user.id);
		json(res, 201, { user: publicProfile(user) });
	}

	private async sendVerification(user: UserProfile) {
		const { token, hash } = newToken();
		this.deps.store.insertEmailToken(hash, user.id, user.email, this.deps.now() + VERIFY_TTL_MS);
		const origin = this.deps.publicUrl();
		await this.deps.mailer.send({
			to: user.email,
			subject: 'Verify your email address for Roster',
			text: `Hello ${user.username},\n\nOpen this link to verify your email address:\n${origin}/api/verify-email?token=${token}\n\nIt works once, for 48 hours.`
		});
	}

	private async signIn(req: IncomingMessage, res: ServerResponse) {
		const input = parse(SignIn, await readJson(req));
		const now = this.deps.now();
		const user = this.deps.store.userByUsername(input.username);
		// Counted per user, so that renaming does not reset the count; a name nobody has is counted by name.
		const account = user?.id ?? `name:${input.username.toLowerCase()}`;
		const address = this.deps.edge.clientAddress(req);
		const wait = this.attempts.retryAfter(account, address, now);
		if (wait > 0) throw rateLimited(wait, 'failed sign-in attempts');
		const ok = await this.attempts.verify(account, address, now, input.password, user?.passwordHash);
		if (!user || !ok) throw new HttpError(401, 'BAD_CREDENTIALS', 'That username and password do not match.');
		// Raised costs reach stored hashes as their users sign in (the password is at hand only now).
		if (!hashIsCurrent(user.passwordHash, this.deps.scrypt)) {
			this.deps.store.setPasswordHash(user.id, await hashPassword(input.password.normalize('NFC'), this.deps.scrypt));
		}
		// SPEC §4: with two-factor on, the password alone opens nothing.
		if (user.twoFactor) {
			if (!input.code) throw new HttpError(401, 'CODE_REQUIRED', 'Enter the code from your authenticator app, or a recovery code.');
			this.twoFactor.verify(user.id, input.code);
		}
		// SPEC §4: signing in with a verified address accepts what was sent to it meanwhile.
		await this.deps.hub.acceptInvitations(user.id);
		this.startSession(res, user.id, !!user.twoFactor);
		json(res, 200, { user: publicProfile(user) });
	}

	private signOut(req: IncomingMessage, res: ServerResponse) {
		const token = this.deps.edge.sessionToken(req);
		if (token) {
			const hash = tokenHash(token);
			this.deps.store.deleteSession(hash);
			this.deps.hub.endSession(hash);
		}
		res.setHeader('set-cookie', this.deps.edge.sessionCookie('', 0));
		json(res, 200, {});
	}

	private async verifyEmail(url: URL, res: ServerResponse) {
		const token = url.searchParams.get('token') ?? '';
		const row = this.deps.store.consumeEmailToken(tokenHash(token), this.deps.now());
		const ok = row !== undefined && this.deps.store.markEmailVerified(row.user_id, row.email);
		let location = ok ? '/?verified=1' : '/?verified=0';
		if (ok) {
			await this.deps.hub.refreshProfile(row.user_id);
			// Land where an accepted invitation leads (its project, else its organization).
			const [first] = await this.deps.hub.acceptInvitations(row.user_id);
			if (first) location = `/orgs/${first.orgId}${first.projectId ? `/projects/${first.projectId}` : ''}?verified=1`;
		}
		res.writeHead(302, { location });
		res.end();
	}

	/** The activity feed: every accepted and refused mutation of an organization, for owners and read-only members. */
	private async activity(req: IncomingMessage, url: URL, res: ServerResponse) {
		const signedIn = this.signedIn(req);
		const me = signedIn.user;
		const q = parse(ActivityQuery, Object.fromEntries(url.searchParams));
		await enterOrg(this.deps.hub, signedIn, q.org);
		const role = await this.deps.hub.memberRole(q.org, me.id);
		if (!role || !roleMay(role, 'activity.view')) {
			throw new HttpError(403, 'FORBIDDEN', 'Only organization owners and read-only members may read the activity feed.');
		}
		const user = q.user ? this.deps.store.user(q.user) : undefined;
		const rows = await this.deps.documents.activity(q.org, { ...q, user: user && { id: user.id, username: user.username }, limit: q.limit });
		json(res, 200, {
			entries: rows.map((r) => ({
				seq: r.seq,
				at: r.at,
				actor: { id: r.user_id, username: r.username ?? 'a deleted user' },
				type: r.type,
				mutation: JSON.parse(r.body) as unknown,
				ok: r.ok === 1,
				code: r.code,
				message: r.message
			})),
			more: rows.length === q.limit
		});
	}

	/**
	 * SPEC §1: the card number and CVC are checked here and go no further; the card.add
	 * mutation (recorded in the activity feed) holds brand, last 4 digits, expiry and holder.
	 */
	private async addCard(req: IncomingMessage, res: ServerResponse) {
		const session = this.signedIn(req);
		const me = session.user;
		spendBudget(this.deps.hub, me.id);
		const body = await readJson(req);
		// `org` says where the card goes; the rest is the card form's, which cardFromEntry checks (and refuses any other field).
		const { org, ...fields } = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
		const cardId = crypto.randomUUID();
		const entry = cardFromEntry(fields, cardId, this.deps.now());
		if (!entry.ok) throw new HttpError(400, entry.code, entry.message);
		const { id, addedAt: _, ...card } = entry.card;
		const mutation = { type: 'card.add', orgId: org, cardId: id, ...card };
		const verdict = await this.deps.hub.submitAndWait(me.id, `card:${cardId}`, mutation, session.hash);
		if (!verdict.ok) throw new HttpError(verdict.code === 'INVALID_MUTATION' ? 400 : 403, verdict.code, verdict.message);
		// A new card is what a person with an unpaid balance adds to pay it: try the open invoices again.
		// The card is kept either way; past the organization's few retries an hour, the next billing run charges it.
		if (this.deps.billing.retryWait(mutation.orgId as string) === 0) void this.deps.billing.retryOpen(mutation.orgId as string);
		json(res, 201, { card: entry.card });
	}

	/** The organization's data as JSON, or its member list as CSV: owners only (the role table's org.export). */
	private async export(req: IncomingMessage, url: URL, res: ServerResponse) {
		const signedIn = this.signedIn(req);
		const me = signedIn.user;
		const q = parse(ExportQuery, Object.fromEntries(url.searchParams));
		await enterOrg(this.deps.hub, signedIn, q.org);
		const role = await this.deps.hub.memberRole(q.org, me.id);
		const state = await this.deps.hub.orgState(q.org);
		if (!role || !state || !roleMay(role, 'org.export')) {
			throw new HttpError(403, 'FORBIDDEN', "Only the organization's owners may download its data.");
		}
		const name = (state.org()?.name ?? 'organization').replace(/[^\w.-]+/g, '-');
		const [body, type, file] =
			q.format === 'csv'
				? [membersCsv(state), 'text/csv; charset=utf-8', `${name}-members.csv`]
				: [JSON.stringify(orgExport(state, this.deps.now()), null, 2), 'application/json', `${name}.json`];
		res.writeHead(200, { 'content-type': type, 'content-disposition': `attachment; filename="${file}"`, 'cache-control': 'no-store' });
		res.end(body);
	}

	/** `steppedUp`: signed in with a two-factor code, which also confirms sensitive changes for a while. */
	/**
	 * SPEC §4: without SMTP (development), the primary admin reads the file outbox here —
	 * only the mail its organization sent (invitations, alerts, invoices): never another
	 * organization's, and never a verification link, which would let it verify an address.
	 */
	private async outbox(req: IncomingMessage, url: URL, res: ServerResponse) {
		const signedIn = this.signedIn(req);
		const me = signedIn.user;
		const { org } = parse(OrgQuery, Object.fromEntries(url.searchParams));
		await enterOrg(this.deps.hub, signedIn, org);
		const { mailer, hub } = this.deps;
		if (!(mailer instanceof FileOutbox)) throw new HttpError(404, 'NO_OUTBOX', 'Mail goes out through SMTP here, so there is no outbox to show.');
		const state = await hub.orgState(org);
		if (!state || state.org()?.primaryAdminId !== me.id) {
			throw new HttpError(403, 'FORBIDDEN', "Only the organization's primary admin may read its outbox.");
		}
		json(res, 200, { mails: recentMail(mailer, org, 50) });
	}

	private startSession(res: ServerResponse, userId: string, steppedUp = false) {
		const { token, hash } = newToken();
		// Each sign-in is a row and a little memory: a user who signs in again and again ends its oldest sessions.
		const ended = this.deps.store.insertSession(hash, userId, this.deps.now(), steppedUp, SESSIONS_PER_USER);
		for (const h of ended) this.deps.hub.endSession(h);
		res.setHeader('set-cookie', this.deps.edge.sessionCookie(token, SESSION_MAX_AGE_S));
	}
}
