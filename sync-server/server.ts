import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE, MAX_FRAME_BYTES } from '$lib/protocol/messages.ts';
import { BillingRun } from './billing-run.ts';
import { DEFAULT_LIMITS, Inbox, type ConnectionLimits } from './budget.ts';
import { HttpApi } from './http.ts';
import { SyncHub } from './hub.ts';
import { invitationMail } from './invitation-mail.ts';
import { FileOutbox, SmtpMailer, type Mailer } from './mail.ts';
import { MembershipAlerts } from './membership-alerts.ts';
import { LocalProcessor, type PaymentProcessor } from './payments.ts';
import type { Socket } from './socket.ts';
import { Store } from './store.ts';

export interface ServerOptions {
	dataDir: string;
	port: number;
	host?: string;
	staticDir?: string;
	/** Where people reach this server, for links in mail; never taken from a request's Host header. */
	publicUrl?: string;
	/** SMTP server URL (smtp:// or smtps://); without it, mail goes to files in <data-dir>/outbox. */
	smtpUrl?: string;
	/** The From address of SMTP mail. */
	mailFrom?: string;
	/** Log each mail written to the file outbox (the command line does; tests stay quiet). */
	logMail?: boolean;
	now?: () => number;
	/** How long a notification webhook may take to answer (default 5 s). */
	webhookTimeoutMs?: number;
	/** Let membership webhooks go to loopback and private addresses (default: public ones only). */
	privateWebhooks?: boolean;
	/** The card processor; by default the local one, which declines only `declineCards`. */
	payments?: PaymentProcessor;
	/** Card ids or last 4 digits the local processor declines (manual testing). */
	declineCards?: string[];
	/** How often the billing run issues and charges invoices (default hourly); it also runs at start-up. */
	billingIntervalMs?: number;
	/** What each user's websocket connections may send and leave unread (default: DEFAULT_LIMITS in budget.ts). */
	limits?: Partial<ConnectionLimits>;
}

export interface RunningServer {
	url: string;
	port: number;
	store: Store;
	hub: SyncHub;
	mailer: Mailer;
	payments: PaymentProcessor;
	billing: BillingRun;
	http: Server;
	close(): Promise<void>;
}

function wrap(ws: WebSocket): Socket {
	return {
		isOpen: () => ws.readyState === ws.OPEN,
		send: (data) => ws.send(data),
		close: (code, reason) => {
			ws.close(code, reason);
			// Read again (a budget may have paused it), so the peer's closing handshake is heard.
			ws.resume();
		},
		bufferedAmount: () => ws.bufferedAmount
	};
}

/** No Origin (a non-browser client) is fine; an unreadable one ("null") counts as cross-site. */
function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
	if (origin === undefined) return true;
	try {
		return new URL(origin).host === host;
	} catch {
		return false;
	}
}

/** One process: the SPA, the account API and the sync endpoint at /sync, over one store. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
	const now = options.now ?? Date.now;
	const store = new Store(options.dataDir);
	const mailer: Mailer = options.smtpUrl
		? new SmtpMailer(options.smtpUrl, options.mailFrom ?? 'Roster <roster@localhost>')
		: new FileOutbox(options.dataDir, options.logMail);
	let publicUrl = '';
	const alerts = new MembershipAlerts(mailer, options.webhookTimeoutMs, options.privateWebhooks);
	const hub = new SyncHub({
		store,
		now,
		sessionLive: (hash) => api.sessionActive(hash),
		// After the commit, so no mail announces an invitation the store could still lose.
		onInvited: (notice) => void mailer.send(invitationMail(notice, publicUrl)).catch((err: unknown) => console.error('invitation mail failed', err)),
		onMembershipChange: (alert) => void alerts.send(alert),
		limits: { ...DEFAULT_LIMITS, ...options.limits }
	});
	const payments = options.payments ?? new LocalProcessor(options.declineCards);
	const billing = new BillingRun({ hub, payments, mailer, now, publicUrl: () => publicUrl });
	const api: HttpApi = new HttpApi({ store, hub, mailer, billing, staticDir: resolve(options.staticDir ?? 'build'), now, publicUrl: (): string => publicUrl });
	const http = createServer(api.handle);
	// One message per socket per turn of the event loop: a flooding socket cannot hold the loop, so other sockets and the group commit get their turn.
	const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, allowSynchronousEvents: false });

	http.on('upgrade', (req, socket, head) => {
		if (new URL(req.url ?? '/', 'http://x').pathname !== '/sync') return socket.destroy();
		wss.handleUpgrade(req, socket, head, (ws) => {
			// Accept, then close with a reason: a refused upgrade tells the browser nothing.
			if (!sameOrigin(req.headers.origin, req.headers.host)) return ws.close(CLOSE.badOrigin.code, CLOSE.badOrigin.reason);
			const session = api.session(req);
			if (!session) return ws.close(CLOSE.unauthenticated.code, CLOSE.unauthenticated.reason);
			const conn = hub.attach(wrap(ws), session.user, session.hash);
			const inbox = new Inbox(conn.budget, {
				// Nothing more is handled once the server has decided to close it.
				handle: (frame) => ws.readyState === ws.OPEN && hub.receive(conn, frame),
				pause: () => ws.readyState === ws.OPEN && ws.pause(),
				resume: () => ws.resume(),
				overflow: () => conn.socket.close(CLOSE.tooMany.code, CLOSE.tooMany.reason)
			});
			ws.on('message', (data, isBinary) => {
				const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
				inbox.push(isBinary ? new Uint8Array(bytes) : bytes.toString('utf8'));
			});
			ws.on('close', () => {
				inbox.close();
				hub.detach(conn);
			});
			ws.on('error', () => ws.terminate());
		});
	});

	// Sockets that only listen send nothing to be checked on: end those whose session timed out.
	const sweep = setInterval(() => hub.sweepSessions(api.sessionLive), 60_000);
	sweep.unref();

	await new Promise<void>((res) => http.listen(options.port, options.host ?? '127.0.0.1', res));
	const port = (http.address() as AddressInfo).port;
	publicUrl = (options.publicUrl ?? `http://localhost:${port}`).replace(/\/$/, '');
	billing.start(options.billingIntervalMs ?? 3600_000);
	return {
		url: `http://localhost:${port}/`,
		port,
		store,
		hub,
		mailer,
		payments,
		billing,
		http,
		async close() {
			clearInterval(sweep);
			await billing.stop();
			for (const ws of wss.clients) ws.close(CLOSE.shutdown.code, CLOSE.shutdown.reason);
			const closed = new Promise<void>((res) => http.close(() => res()));
			http.closeAllConnections();
			await closed;
			for (const ws of wss.clients) ws.terminate();
			store.close();
		}
	};
}
