import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CLOSE, MAX_FRAME_BYTES } from '$lib/protocol/messages.ts';
import { BillingRun } from './billing-run.ts';
import { ExpiryDue } from './expiry-due.ts';
import { ExpiryRun } from './expiry-run.ts';
import { scryptCost } from './auth.ts';
import { DEFAULT_LIMITS, type ConnectionLimits } from './budget.ts';
import { HttpApi } from './http/router.ts';
import { sessionLive } from './http/sessions.ts';
import { HttpError, type SignedIn } from './http/types.ts';
import { SyncHub } from './hub.ts';
import { invitationMail } from './invitation-mail.ts';
import { MailLog, SmtpMailer, type Mailer } from './mail.ts';
import { MembershipAlerts } from './membership-alerts.ts';
import { LocalProcessor, type PaymentProcessor } from './payments.ts';
import type { AccountStore } from './storage/accounts.ts';
import type { DocumentStore } from './storage/documents.ts';
import { OidcProviders, type OidcProviderConfig } from './sso/config.ts';
import { openStore } from './storage/open-store.ts';
import type { SqliteAccounts } from './storage/sqlite-accounts.ts';
import { credentialsChanged, invitationsSent, membershipChanged, secretsRevoked } from './sync/reactions.ts';
import { wsSocket } from './sync/transport.ts';
import { WebEdge, logRefused, requestUrl } from './web-edge.ts';
import { contained, feed, refuseUpgrade } from './ws-feed.ts';
import { StockYjs, STOCK_PATH } from './stock-yjs.ts';

export interface ServerOptions {
	dataDir: string;
	port: number;
	host?: string;
	staticDir?: string;
	/** Where people reach this server, for links in mail; never taken from a request's Host header. */
	publicUrl?: string;
	/** SMTP server URL (smtp:// or smtps://); without it, mail goes to files in <data-dir>/mail-log. */
	smtpUrl?: string;
	/** The From address of SMTP mail. */
	mailFrom?: string;
	/** Log each mail written to the mail log (the command line does; tests stay quiet). */
	logMail?: boolean;
	now?: () => number;
	/** How long a notification webhook may take to answer (default 5 s). */
	webhookTimeoutMs?: number;
	/** Let membership webhooks go to loopback and private addresses (default: public ones only). */
	privateWebhooks?: boolean;
	/** The private address a webhook's host is at, if it is, when set (default: looked up in DNS). */
	webhookAddress?: (url: string) => Promise<string | undefined>;
	/** The card processor; by default the local one, which declines only `declineCards`. */
	payments?: PaymentProcessor;
	/** Card ids or last 4 digits the local processor declines (manual testing). */
	declineCards?: string[];
	/** How often the billing run issues and charges invoices (default hourly); it also runs at start-up. */
	billingIntervalMs?: number;
	/** How often expiring access is applied and reminded of (default every minute); it also runs at start-up. */
	expiryIntervalMs?: number;
	/** log2 of scrypt's N for new password hashes (default 17, OWASP's); tests and benchmarks lower it. */
	passwordCost?: number;
	/** Accounts one client address may create an hour (default 10). */
	signUpsPerHour?: number;
	/** How many reverse proxies stand in front, whose X-Forwarded-For entries are believed (default 0: none). */
	trustProxy?: number;
	/** What each user's websocket connections may send and leave unread (default: DEFAULT_LIMITS in budget.ts). */
	limits?: Partial<ConnectionLimits>;
	/** A PostgreSQL URL: the store is that database instead of SQLite in `dataDir`. */
	databaseUrl?: string;
	/** Identity providers for single sign-on (docs/sso.md; the command line reads them from --oidc-config). */
	oidc?: OidcProviderConfig[];
}

export interface RunningServer {
	url: string;
	port: number;
	/** SQLite: the accounts' rows, answered at once (tests read them). */
	store?: SqliteAccounts;
	/** Which store the server runs on. */
	kind: 'sqlite' | 'postgres';
	/** The accounts, whichever the store (tests read them). */
	accounts: AccountStore;
	/** The PostgreSQL pool, when the store is PostgreSQL (tests read its rows). */
	pool?: import('pg').Pool;
	/** Where the data is, for the start-up line. */
	where: string;
	documents: DocumentStore;
	hub: SyncHub;
	mailer: Mailer;
	payments: PaymentProcessor;
	billing: BillingRun;
	expiry: ExpiryRun;
	http: Server;
	close(): Promise<void>;
}

/** One process: the SPA, the account API, the sync endpoint at /sync and the stock Yjs one at /yjs/, over one store. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
	const now = options.now ?? Date.now;
	const store = await openStore(options.dataDir, options.databaseUrl);
	const { documents, accounts, limits } = store;
	const mailer: Mailer = options.smtpUrl
		? new SmtpMailer(options.smtpUrl, options.mailFrom ?? 'Roster <roster@localhost>')
		: new MailLog(options.dataDir, options.logMail);
	let publicUrl = '';
	const alerts = new MembershipAlerts(mailer, options.webhookTimeoutMs, options.privateWebhooks, documents);
	const hub = new SyncHub({
		store: accounts,
		documents,
		now,
		sessionLive: (hash) => sessionLive(accounts, now(), hash),
		limits: { ...DEFAULT_LIMITS, ...options.limits },
		// Several servers on one store: a lost wake-up delays what another committed by at most this.
		catchUpEveryMs: store.shared ? 5_000 : undefined,
		privateWebhooks: options.privateWebhooks,
		webhookAddress: options.webhookAddress
	});
	// After the commit, so no mail announces an invitation the store could still lose.
	hub.onCommitted(
		invitationsSent(
			(notice) => void mailer.send(invitationMail(notice, publicUrl)).catch((err: unknown) => console.error('invitation mail failed', err))
		)
	);
	hub.onCommitted(membershipChanged(documents, accounts, (alert) => void alerts.send(alert)));
	hub.onCommitted(secretsRevoked(accounts));
	hub.onCommitted(credentialsChanged((userId) => hub.recheckCredentials(userId)));
	const due = new ExpiryDue(documents, hub);
	hub.onCommitted(due.reaction);
	const payments = options.payments ?? new LocalProcessor(options.declineCards);
	const billing = new BillingRun({ hub, payments, mailer, now, publicUrl: () => publicUrl, limits });
	const expiry = new ExpiryRun({ hub, mailer, now, publicUrl: () => publicUrl, limits, due });
	const edge = new WebEdge({
		publicUrl: () => publicUrl,
		https: /^https:/i.test(options.publicUrl ?? ''),
		trustProxy: options.trustProxy ?? 0
	});
	const api: HttpApi = new HttpApi({
		accounts,
		documents,
		hub,
		mailer,
		billing,
		staticDir: resolve(options.staticDir ?? 'build'),
		now,
		publicUrl: (): string => publicUrl,
		scrypt: scryptCost(options.passwordCost),
		signUpsPerHour: options.signUpsPerHour ?? 10,
		edge,
		limiter: limits.limiter,
		sso: new OidcProviders(options.oidc ?? [])
	});
	const http = createServer(api.handle);
	// Each socket's frames are handled a few per turn (budget.ts Inbox), so ws may read synchronously.
	const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
	const stock = new StockYjs({ edge, wss, hub, accounts, now, session: (req) => api.session(req) });

	// Requests Node cannot parse (bad request line, headers too large): answered like every other refusal.
	http.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
		// Gone already, or a response under way on this keep-alive socket: nothing more can be said on it.
		if (err.code === 'ECONNRESET' || !socket.writable || (socket as { _httpMessage?: ServerResponse })._httpMessage?.headersSent)
			return socket.destroy();
		const [status, code, message] =
			err.code === 'HPE_HEADER_OVERFLOW'
				? [431, 'HEADERS_TOO_LARGE', 'The request headers are too large.']
				: err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
					? [408, 'TIMEOUT', 'The request took too long to arrive.']
					: [400, 'BAD_REQUEST', 'The request is not valid HTTP.'];
		logRefused('request', undefined, err.code ?? err.message);
		edge.refuseSocket(socket, status, code, message);
	});
	// ws's own handshake checks (method, Upgrade, Sec-WebSocket-Key and -Version) end here.
	wss.on('wsClientError', (err, socket, req) => {
		logRefused('upgrade', req, err.message);
		// RFC 6455 §4.4: name the protocol version this server speaks.
		edge.refuseSocket(socket, 400, 'BAD_UPGRADE', err.message, { 'sec-websocket-version': '13' });
	});

	http.on('upgrade', (req, socket: Duplex, head: Buffer) => void upgrade(req, socket, head));

	async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
		// Everything a request can get wrong is found before the handshake, while an HTTP answer is still possible.
		let fromHere: boolean;
		let session: SignedIn | undefined;
		try {
			const path = requestUrl(req).pathname;
			if (path.startsWith(STOCK_PATH)) return await stock.upgrade(req, socket, head, path);
			if (path !== '/sync')
				throw new HttpError(
					404,
					'NOT_FOUND',
					'Websockets connect at /sync (Roster clients) or /yjs/{docId} (stock Yjs clients, read-only).'
				);
			fromHere = edge.sameOrigin(req);
			session = fromHere ? await api.session(req) : undefined;
		} catch (err) {
			return refuseUpgrade(edge, req, socket, err);
		}
		wss.handleUpgrade(req, socket, head, (ws) => {
			// First: a frame ws cannot read emits 'error', also on a socket refused below; unheard, it would end the process.
			ws.on('error', () => ws.terminate());
			contained(ws, () => {
				// Accept, then close with a reason: a refused upgrade tells the browser nothing.
				if (!fromHere) return ws.close(CLOSE.badOrigin.code, CLOSE.badOrigin.reason);
				if (!session) return ws.close(CLOSE.unauthenticated.code, CLOSE.unauthenticated.reason);
				if (!hub.mayConnect(session.user.id)) return ws.close(CLOSE.tooManySockets.code, CLOSE.tooManySockets.reason);
				const conn = hub.attach(wsSocket(ws), session.user, session.hash);
				feed(
					ws,
					conn,
					(frame) => void hub.receive(conn, frame),
					() => hub.detach(conn)
				);
			});
		});
	}

	// Sockets that only listen send nothing to be checked on: close those whose session ended, revoke organizations whose timeout passed.
	const sweep = setInterval(
		() =>
			void hub
				.sweepSessions(async (hash) => (await sessionLive(accounts, now(), hash)) !== undefined)
				.catch((err: unknown) => console.error('session sweep failed', err)),
		60_000
	);
	sweep.unref();

	await new Promise<void>((res) => http.listen(options.port, options.host ?? '127.0.0.1', res));
	const port = (http.address() as AddressInfo).port;
	publicUrl = (options.publicUrl ?? `http://localhost:${port}`).replace(/\/$/, '');
	billing.start(options.billingIntervalMs ?? 3600_000);
	expiry.start(options.expiryIntervalMs ?? 60_000);
	return {
		url: `http://localhost:${port}/`,
		port,
		store: store.sqlite,
		kind: store.kind,
		accounts,
		pool: store.pool,
		where: store.where,
		documents,
		hub,
		mailer,
		payments,
		billing,
		expiry,
		http,
		async close() {
			clearInterval(sweep);
			await billing.stop();
			await expiry.stop();
			hub.close();
			for (const ws of wss.clients) ws.close(CLOSE.shutdown.code, CLOSE.shutdown.reason);
			const closed = new Promise<void>((res) => http.close(() => res()));
			http.closeAllConnections();
			await closed;
			for (const ws of wss.clients) ws.terminate();
			await hub.quiet();
			await store.close();
		}
	};
}
