import { parseArgs } from 'node:util';
import type { Mutation } from '$lib/domain/index.ts';
import { OWASP_SCRYPT, hashPassword } from './auth.ts';
import { DEMO_PASSWORD, DEMO_SIZE, demoMutations, demoUsers, type DemoSize } from './demo/demo-org.ts';
import { SyncHub } from './hub.ts';
import { asyncAccounts } from './storage/accounts.ts';
import { openSqlite } from './storage/sqlite.ts';

/**
 * npm run seed:demo: a 10,000-user organization written through the server's own
 * mutation path (SyncHub: check → apply → commit), as its primary admin sends it.
 */
const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, users: { type: 'string' } } });
const dataDir = values['data-dir'] ?? process.env.ROSTER_DATA_DIR ?? './data';
// `--users 40` seeds a small organization of the same shape (screenshots, trying a page by hand).
const userCount = values.users === undefined ? DEMO_SIZE.users : Number(values.users);
if (!Number.isInteger(userCount) || userCount < 3) {
	console.error('--users takes a whole number of at least 3.');
	process.exit(2);
}
const size: DemoSize =
	userCount === DEMO_SIZE.users
		? DEMO_SIZE
		: { users: userCount, teams: Math.max(3, Math.round(userCount / 50)), projects: Math.max(3, Math.round(userCount / 20)) };
const sqlite = openSqlite(dataDir);
const store = sqlite.accounts;
const users = demoUsers(size.users);
if (store.userByUsername(users[0]!.username)) {
	console.log(`The demo organization is already in ${dataDir}.`);
	process.exit(0);
}
// One hash for every demo account: scrypt for 10,000 passwords would take minutes.
const passwordHash = await hashPassword(DEMO_PASSWORD, OWASP_SCRYPT);
const started = Date.now();
store.transaction(() => {
	for (const u of users) store.insertUser({ ...u, passwordHash }, started);
});

const hub = new SyncHub({ store: asyncAccounts(store), documents: sqlite.documents });
let answered = 0;
const refused: string[] = [];
let done: () => void = () => {};
const socket = {
	isOpen: () => true,
	close: () => {},
	send: (data: string | Uint8Array) => {
		if (typeof data !== 'string') return;
		const m = JSON.parse(data) as { t: string; ok?: boolean; message?: string };
		if (m.t !== 'verdict') return;
		answered++;
		if (!m.ok) refused.push(m.message ?? '');
		if (answered === total) done();
	}
};
const conn = hub.attach(socket, users[0]!, 'seed');
const mutations: Mutation[] = [...demoMutations(size, users)];
const total = mutations.length;
const finished = new Promise<void>((resolve) => (done = resolve));
// In slices, so each group commit stays a reasonable size.
for (let i = 0; i < total; i += 2000) {
	for (const [k, mutation] of mutations.slice(i, i + 2000).entries()) {
		void hub.receive(conn, JSON.stringify({ t: 'mutate', id: `demo-seed-${String(i + k).padStart(6, '0')}`, mutation }));
	}
	await new Promise((r) => setImmediate(r));
}
await finished;
sqlite.close();
console.log(`Seeded ${size.users} users, ${size.teams} teams and ${size.projects} projects into ${dataDir}`);
console.log(`(${total} mutations, ${refused.length} refused, ${((Date.now() - started) / 1000).toFixed(1)} s).`);
if (refused.length) console.log(`First refusal: ${refused[0]}`);
console.log(`Sign in as the primary admin: demo-admin / ${DEMO_PASSWORD}`);
console.log(`Sign in as a read-only member: demo-readonly / ${DEMO_PASSWORD}`);
