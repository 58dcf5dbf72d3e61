import { parseArgs } from 'node:util';

/** The command line's options, each with the environment variable that sets it too (README lists what each does). */
const OPTIONS = {
	port: { type: 'string', env: 'PORT', help: 'port to listen on (default 5280)' },
	'data-dir': { type: 'string', env: 'ROSTER_DATA_DIR', help: 'where the SQLite store and the mail log live (default ./data)' },
	// A PostgreSQL database instead of the SQLite file in the data directory: several servers may share it (docs/deploy.md).
	'database-url': { type: 'string', env: 'ROSTER_DATABASE_URL', help: 'a PostgreSQL URL: the store, shared by several servers' },
	host: { type: 'string', env: 'HOST', help: 'address to listen on (default 127.0.0.1)' },
	'public-url': { type: 'string', env: 'ROSTER_PUBLIC_URL', help: 'the address people use, for links in mail' },
	'smtp-url': { type: 'string', env: 'ROSTER_SMTP_URL', help: 'smtp:// or smtps:// server for mail (default: the mail log)' },
	'mail-from': { type: 'string', env: 'ROSTER_MAIL_FROM', help: 'the From address of mail' },
	'allow-private-webhooks': { type: 'boolean', env: 'ROSTER_ALLOW_PRIVATE_WEBHOOKS', help: 'let webhooks go to private addresses' },
	// log2 of scrypt's N for new password hashes: OWASP's 17 unless a benchmark or a small machine needs less.
	'password-cost': { type: 'string', env: 'ROSTER_PASSWORD_COST', help: "log2 of scrypt's N (default 17; lower for tests only)" },
	'sign-ups-per-hour': { type: 'string', env: 'ROSTER_SIGN_UPS_PER_HOUR', help: 'accounts one client address may create an hour' },
	// How many reverse proxies stand in front of Roster; their X-Forwarded-For entries name the client.
	'trust-proxy': { type: 'string', env: 'ROSTER_TRUST_PROXY', help: 'how many reverse proxies stand in front (default 0)' },
	// Frames per second each user's sockets may send (docs/protocol.md, Limits); the throughput bench raises it.
	'frames-per-second': { type: 'string', env: 'ROSTER_FRAMES_PER_SECOND', help: "each user's frame budget (default 500)" },
	// Card ids or last 4 digits the local payment processor declines, comma-separated: for trying failed payments by hand.
	'decline-cards': { type: 'string', env: 'ROSTER_DECLINE_CARDS', help: 'card ids or last 4 digits the local processor declines' },
	// Identity providers for single sign-on, a JSON file (docs/sso.md); it holds client secrets: keep it readable by Roster only.
	'oidc-config': { type: 'string', env: 'ROSTER_OIDC_CONFIG', help: 'identity providers for single sign-on (docs/sso.md)' },
	help: { type: 'boolean', env: undefined, help: 'print this and exit' }
} as const;

const USAGE = [
	'Usage: node --import tsx sync-server/main.ts [options]   (npm start -- [options] builds the app first)',
	'',
	...Object.entries(OPTIONS).map(
		([name, o]) => `  --${name}${o.type === 'string' ? ' <value>' : ''}`.padEnd(34) + `${o.help}${o.env ? ` [${o.env}]` : ''}`
	)
].join('\n');

/** The options given; `--help` prints them all, and an unknown or malformed one says so with the usage, exiting 2. */
export function cliOptions() {
	try {
		const { values } = parseArgs({ options: OPTIONS });
		if (values.help) {
			console.log(USAGE);
			process.exit(0);
		}
		return values;
	} catch (err) {
		console.error(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
		process.exit(2);
	}
}
