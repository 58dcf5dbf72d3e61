import { documentStoreContract } from './storage-contract.ts';
import { freshPostgres } from './pg-store.ts';

documentStoreContract('PostgreSQL', async () => {
	const pg = await freshPostgres();
	return { store: pg.first.documents, another: async () => (await pg.open()).documents, close: () => pg.close() };
});
