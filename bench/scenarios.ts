/**
 * The Roster set-ups `npm run bench` measures: how many server processes, on which store, sharing
 * how many organizations. Named `<store>-<instances>x<orgs>`, e.g. `pg-3x30`; BENCH_SCENARIOS picks
 * some (comma-separated names, any such name, not only the defaults).
 */
export type StoreKind = 'sqlite' | 'pg';

export interface Scenario {
	name: string;
	/** Roster server processes sharing one store (more than one needs PostgreSQL). */
	instances: number;
	store: StoreKind;
	/** Organizations the writers are spread over. */
	orgs: number;
}

/** One instance on each store, then two and three on PostgreSQL, sharing one organization and thirty. */
const DEFAULTS = ['sqlite-1x1', 'pg-1x1', 'pg-2x1', 'pg-3x1', 'pg-1x30', 'pg-2x30', 'pg-3x30'];

/** The embedded store, one process, one organization: what the relay and the noisy neighbour compare with. */
export const BASELINE: Scenario = scenario('sqlite-1x1');

export function scenario(name: string): Scenario {
	const match = /^(sqlite|pg)-([1-9]\d*)x([1-9]\d*)$/.exec(name);
	if (!match) throw new Error(`${name} is not a scenario: name one as <sqlite|pg>-<instances>x<organizations>, e.g. pg-3x30.`);
	const [, store, instances, orgs] = match as unknown as [string, StoreKind, string, string];
	if (store === 'sqlite' && instances !== '1')
		throw new Error(`${name}: several instances share a store on PostgreSQL only (pg-${instances}x${orgs}).`);
	return { name, store, instances: Number(instances), orgs: Number(orgs) };
}

/** The scenarios to run: BENCH_SCENARIOS's, or the defaults. */
export function chosenScenarios(list = process.env.BENCH_SCENARIOS): Scenario[] {
	const names = list?.trim() ? list.split(',').map((s) => s.trim()) : DEFAULTS;
	return names.map(scenario);
}

export function describe(s: Scenario): string {
	const store = s.store === 'pg' ? 'PostgreSQL' : 'SQLite';
	const instances = s.instances === 1 ? 'one instance' : `${s.instances} instances`;
	return `${instances} on ${store}, ${s.orgs === 1 ? 'one organization' : `${s.orgs} organizations`}`;
}
