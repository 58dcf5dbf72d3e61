import type * as Y from 'yjs';
import { MODEL, TABLES, type DocKind, type Row, type TableName } from './model.ts';
import { emailKey, teamNameKey, type ProjectRole } from './schemas.ts';

/** Whether a set of project roles makes its holder an owner (invariant 5 counts these). */
function ownsProject(roles: readonly ProjectRole[] | null | undefined): boolean {
	return roles?.includes('PROJECT_OWNER') ?? false;
}

type Entry = [key: string, value: string];

const index = <T extends TableName>(table: T, entries: (row: Row<T>, project: string) => Entry[]) => ({ table, entries });

/**
 * What a check looks up without a scan, each index a table's rows (in `project`, for a
 * project table) turned into key → value entries. The documents keep them by observing
 * their maps; the overlay adjusts the base's by its pending rows. An entry belongs to one
 * row only, so removing a row's entries never removes another row's.
 */
export const INDEXES = {
	owners: index('member', (m) => (m.role === 'ORG_OWNER' ? [['', m.userId]] : [])),
	usernames: index('member', (m) => [[m.username, m.userId]]),
	teamNames: index('team', (t) => [[teamNameKey(t.name), t.id]]),
	teamMembers: index('teamMember', (tm) => [[tm.teamId, tm.userId]]),
	userTeams: index('teamMember', (tm) => [[tm.userId, tm.teamId]]),
	invitationEmails: index('invitation', (i) => [[emailKey(i.email), i.id]]),
	/** Invitations that place their invitee in a team. */
	teamInvitations: index('invitation', (i) => i.teams.map((t): Entry => [t, i.id])),
	userProjects: index('projectUser', (a, project) => [[a.userId, project]]),
	teamProjects: index('projectTeam', (a, project) => [[a.teamId, project]]),
	userRequests: index('joinRequest', (r, project) => [[r.userId, project]]),
	/** A project's individual owners and owning teams. */
	projectOwners: index('projectUser', (a, project) => (ownsProject(a.roles) ? [[project, a.userId]] : [])),
	owningTeams: index('projectTeam', (a, project) => (ownsProject(a.roles) ? [[project, a.teamId]] : [])),
	projectInvitationEmails: index('projectInvitation', (i, project) => [[projectEmailKey(project, i.email), i.id]]),
	/** A project's active deployments (invariant 8): its keys are the projects with any. */
	activeDeployments: index('deployment', (d, project) => (d.status === 'active' ? [[project, d.id]] : [])),
	/** Rows carrying an expiry (rules §6), so the server's run finds due ones without a scan. */
	expiringMembers: index('member', (m) => (m.expiry ? [['', m.userId]] : [])),
	expiringTeamMembers: index('teamMember', (tm) => (tm.expiry ? [['', `${tm.teamId}/${tm.userId}`]] : [])),
	expiringAssignments: index('projectUser', (a, project) => (a.expiry ? [['', `${project}/${a.userId}`]] : [])),
	expiringTeamAssignments: index('projectTeam', (a, project) => (a.expiry ? [['', `${project}/${a.teamId}`]] : [])),
	/** Invoices not yet paid: the unpaid balance. */
	openInvoices: index('invoice', (i) => (i.status === 'open' ? [['', i.id]] : []))
};
export type IndexName = keyof typeof INDEXES;
const INDEX_NAMES = Object.keys(INDEXES) as IndexName[];

export const projectEmailKey = (project: string, email: string) => `${project}/${emailKey(email)}`;

/** The entries a row adds to an index (none for no row). */
export function entriesOf(name: IndexName, row: unknown, project: string): Entry[] {
	const { entries } = INDEXES[name] as { entries: (row: unknown, project: string) => Entry[] };
	return row === undefined || row === null ? [] : entries(row, project);
}

const INDEXES_OF = new Map(TABLES.map((t) => [t, INDEX_NAMES.filter((name) => INDEXES[name].table === t)]));
/** The indexes kept of a table's rows. */
export const indexesOf = (table: TableName): readonly IndexName[] => INDEXES_OF.get(table) ?? [];

/** A many-to-many index: key → set of values. */
class Index {
	private readonly map = new Map<string, Set<string>>();
	add(key: string, value: string) {
		let set = this.map.get(key);
		if (!set) this.map.set(key, (set = new Set()));
		set.add(value);
	}
	delete(key: string, value: string) {
		const set = this.map.get(key);
		set?.delete(value);
		if (set?.size === 0) this.map.delete(key);
	}
	get(key: string): string[] {
		return [...(this.map.get(key) ?? [])];
	}
	count(key: string): number {
		return this.map.get(key)?.size ?? 0;
	}
	keys(): string[] {
		return [...this.map.keys()];
	}
}

/** Every index of INDEXES over a set of documents, kept up to date by observing their maps. */
export class Indexes {
	private readonly byName = new Map(INDEX_NAMES.map((name) => [name, new Index()]));

	get(name: IndexName): Index {
		return this.byName.get(name)!;
	}

	/** How many row writes the indexes followed. */
	writes = 0;

	/** A row of `table` (in `project`) went from `old` to `now` (undefined: none): its entries follow. */
	update(table: TableName, project: string, old: unknown, now: unknown) {
		this.writes++;
		for (const name of indexesOf(table)) {
			const index = this.get(name);
			for (const [key, value] of entriesOf(name, old, project)) index.delete(key, value);
			for (const [key, value] of entriesOf(name, now, project)) index.add(key, value);
		}
	}

	/** Indexes a document's rows and keeps them indexed; the function returned stops and drops them. */
	watch(doc: Y.Doc, kind: DocKind, project: string): () => void {
		const stops = TABLES.filter((t) => MODEL[t].doc === kind && indexesOf(t).length > 0).map((table) => {
			const map = doc.getMap<unknown>(MODEL[table].map);
			for (const row of map.values()) this.update(table, project, undefined, row);
			const observer = (event: Y.YMapEvent<unknown>) => {
				for (const [key, change] of event.changes.keys) this.update(table, project, change.oldValue, map.get(key));
			};
			map.observe(observer);
			return () => {
				map.unobserve(observer);
				for (const row of map.values()) this.update(table, project, row, undefined);
			};
		});
		return () => stops.forEach((stop) => stop());
	}
}
