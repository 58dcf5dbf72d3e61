import type { IncomingMessage, ServerResponse } from 'node:http';
import { PasswordAttempts } from '../auth.ts';
import { MailLimits } from '../mail-limits.ts';
import { serveStatic } from '../static-files.ts';
import { logRefused, requestUrl } from '../web-edge.ts';
import { serveApiV1 } from './api-v1.ts';
import { serveScim } from './scim.ts';
import { matchPath } from './path-params.ts';
import type { HttpApp, HttpDeps } from './deps.ts';
import { parse, readJson, unauthenticated } from './io.ts';
import { orgFor } from './org-access.ts';
import type { Route } from './route.ts';
import { ROUTES } from './routes.ts';
import { storeUnavailable } from '../storage/unavailable.ts';
import { signedIn } from './sessions.ts';
import { TwoFactorCodes } from './two-factor-codes.ts';
import { HttpError, type SignedIn } from './types.ts';

/** Refusals of requests the app never sends (probes, broken or forged clients): each is logged on one line. */
const MALFORMED = new Set(['BAD_PATH', 'BAD_ORIGIN', 'METHOD_NOT_ALLOWED', 'UNSUPPORTED', 'TOO_LARGE', 'INVALID_JSON', 'INCOMPLETE_BODY']);

const BY_KEY = new Map(ROUTES.map((r) => [`${r.method} ${r.path}`, r]));

/** Routes with `{name}` segments, each read as a query field of that name. */
const WITH_PARAMS = ROUTES.filter((r) => r.path.includes('{'));

function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
	const exact = BY_KEY.get(`${method} ${path}`);
	if (exact) return { route: exact, params: {} };
	for (const route of WITH_PARAMS) {
		const params = route.method === method ? matchPath(route.path, path) : undefined;
		if (params) return { route, params };
	}
	return undefined;
}

/** The account API (the route table) and the static SPA; every unknown app path gets index.html. */
export class HttpApi {
	private readonly app: HttpApp;

	constructor(private readonly deps: HttpDeps) {
		this.app = {
			deps,
			attempts: new PasswordAttempts(deps.scrypt, deps.limiter),
			mails: new MailLimits(deps.signUpsPerHour, deps.limiter),
			codes: new TwoFactorCodes(deps.accounts, deps.now, deps.limiter),
			// Each re-send is a mail to someone: a few dozen an hour per user is plenty for people, too few for a flood.
			resends: deps.limiter('invoice-resend', 30, 60 * 60_000)
		};
	}

	/** The signed-in user of a request and its session's hash, from the session cookie. */
	session(req: IncomingMessage): Promise<SignedIn | undefined> {
		return signedIn(this.deps, req);
	}

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
		const e =
			err instanceof HttpError
				? err
				: storeUnavailable(err)
					? new HttpError(503, 'STORE_UNAVAILABLE', 'The store cannot be reached just now: try again in a moment.', { 'retry-after': '5' })
					: new HttpError(500, 'INTERNAL', 'Something went wrong on the server.');
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
		// SCIM clients are servers holding a bearer secret, with no cookie to forge and no Origin to check (scim.ts).
		if (path.startsWith('/scim/v2/')) {
			edge.secure(res, true);
			return serveScim(this.deps, req, res, url);
		}
		edge.secure(res, api);
		if (!api) return serveStatic(this.deps.staticDir, req, path, res);
		// A browser sends this site's Origin with every write; any other (or "null") is a forged form or script.
		if (req.method !== 'GET' && req.method !== 'HEAD' && !edge.sameOrigin(req)) {
			throw new HttpError(403, 'BAD_ORIGIN', 'This request came from another site, so it was refused.');
		}
		const found = matchRoute(req.method!, path);
		// The HTTP API's caller holds a bearer secret instead of a session (api-v1.ts).
		if (!found && (await serveApiV1(this.deps, req, res, url))) return;
		if (!found) throw new HttpError(404, 'NOT_FOUND', `No API at ${req.method} ${path}.`);
		await this.run(found.route, req, res, url, found.params);
	}

	/** The session, the query, the body, then the organization: each refused before the handler runs. */
	private async run(route: Route, req: IncomingMessage, res: ServerResponse, url: URL, params: Record<string, string>) {
		const me = route.session ? await this.session(req) : undefined;
		if (route.session && !me) throw unauthenticated();
		const query = route.query ? parse(route.query, { ...Object.fromEntries(url.searchParams), ...params }) : undefined;
		const body = route.body ? parse(route.body, await readJson(req)) : undefined;
		const org = route.org && (await orgFor(this.deps, me!, ((route.body ? body : query) as { org: string }).org, route.org));
		await route.handle(this.app, { req, res, url, query, body, me: me!, org: org! });
	}
}
