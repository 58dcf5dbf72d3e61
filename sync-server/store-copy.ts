import { parseArgs } from 'node:util';
import { formatReport, storeCopy, StoreCopyError } from './store-copy/copy.ts';
import { StoreOpenError } from './storage/postgres/pool.ts';

/**
 * npm run store:copy -- --from ./data --to postgres://… [--key-dir DIR] [--verify]
 *
 * Moves the embedded store into an empty PostgreSQL database, then prints what each side holds
 * (rows and hashes per table, each organization's documents) and exits non-zero when anything
 * differs. Stop the server on the SQLite store first. --verify compares an earlier copy only.
 */
const USAGE = 'Usage: npm run store:copy -- --from DATA_DIR --to postgres://… [--key-dir DIR] [--verify]';

let values;
try {
	({ values } = parseArgs({
		options: {
			from: { type: 'string' },
			to: { type: 'string' },
			'key-dir': { type: 'string' },
			verify: { type: 'boolean' }
		}
	}));
} catch (err) {
	console.error(`${(err as Error).message}\n${USAGE}`);
	process.exit(2);
}
const to = values.to ?? (process.env.ROSTER_DATABASE_URL || undefined);
if (!values.from || !to) {
	console.error(`Say where the store is (--from) and the database it goes to (--to or ROSTER_DATABASE_URL).\n${USAGE}`);
	process.exit(2);
}

try {
	const result = await storeCopy({ from: values.from, to, keyDir: values['key-dir'], verify: values.verify });
	console.log(formatReport(result));
	if (result.key) console.log(`Key file: ${result.key}`);
	process.exitCode = result.equal ? 0 : 1;
} catch (err) {
	console.error(`store:copy: ${err instanceof Error ? err.message : String(err)}`);
	if (!(err instanceof StoreCopyError || err instanceof StoreOpenError)) console.error(err);
	process.exitCode = 1;
}
