import { DEFAULT_LIMITS } from './budget.ts';
import { cliOptions } from './cli-options.ts';
import { startServer } from './server.ts';
import { loadOidcConfig } from './sso/config.ts';
import { StoreOpenError } from './storage/postgres/pool.ts';

const values = cliOptions();

function optionalNumber(value: string | undefined): number | undefined {
	return value === undefined ? undefined : Number(value);
}

const trustProxy = Number(values['trust-proxy'] ?? process.env.ROSTER_TRUST_PROXY ?? 0);
if (!Number.isInteger(trustProxy) || trustProxy < 0) {
	console.error('--trust-proxy is the number of reverse proxies in front of Roster (0, 1, 2, …).');
	process.exit(2);
}

const framesPerSecond = Number(values['frames-per-second'] ?? process.env.ROSTER_FRAMES_PER_SECOND ?? DEFAULT_LIMITS.framesPerSecond);
if (!(framesPerSecond > 0)) throw new Error('--frames-per-second must be a positive number');

const oidcConfig = values['oidc-config'] ?? process.env.ROSTER_OIDC_CONFIG;
let oidc;
try {
	oidc = oidcConfig ? loadOidcConfig(oidcConfig) : undefined;
} catch (err) {
	console.error(`Roster could not start: ${err instanceof Error ? err.message : String(err)}`);
	process.exit(2);
}

const server = await startServer({
	oidc,
	databaseUrl: values['database-url'] ?? (process.env.ROSTER_DATABASE_URL || undefined),
	port: Number(values.port ?? process.env.PORT ?? 5280),
	dataDir: values['data-dir'] ?? process.env.ROSTER_DATA_DIR ?? './data',
	host: values.host ?? process.env.HOST ?? '127.0.0.1',
	publicUrl: values['public-url'] ?? process.env.ROSTER_PUBLIC_URL,
	smtpUrl: values['smtp-url'] ?? process.env.ROSTER_SMTP_URL,
	mailFrom: values['mail-from'] ?? process.env.ROSTER_MAIL_FROM,
	logMail: true,
	privateWebhooks: values['allow-private-webhooks'] ?? process.env.ROSTER_ALLOW_PRIVATE_WEBHOOKS === '1',
	passwordCost: optionalNumber(values['password-cost'] ?? process.env.ROSTER_PASSWORD_COST),
	signUpsPerHour: optionalNumber(values['sign-ups-per-hour'] ?? process.env.ROSTER_SIGN_UPS_PER_HOUR),
	trustProxy,
	limits: { framesPerSecond, frameBurst: Math.max(DEFAULT_LIMITS.frameBurst, framesPerSecond) },
	declineCards: (values['decline-cards'] ?? process.env.ROSTER_DECLINE_CARDS ?? '')
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean)
}).catch((err: unknown) => {
	// What an operator caused (an unreachable database, another store's key file) is said in one sentence.
	console.error(`Roster could not start: ${err instanceof Error ? err.message : String(err)}`);
	if (!(err instanceof StoreOpenError)) console.error(err);
	process.exit(1);
});
console.log(`Roster is running at ${server.url}`);
console.log(`Store: ${server.where}; mail: ${server.mailer.where}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		// The benchmark reads how long this server held organizations' locks (docs/deploy.md derives the limits from it).
		if (process.env.ROSTER_COMMIT_STATS === '1') console.log(server.hub.commitStats());
		void server.close().then(() => process.exit(0));
	});
}
