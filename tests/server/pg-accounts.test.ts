import { accountsContract } from './accounts-contract.ts';
import { freshPostgres } from './pg-store.ts';

accountsContract('PostgreSQL', async () => {
	const pg = await freshPostgres();
	return { accounts: pg.first.accounts, close: () => pg.close() };
});
