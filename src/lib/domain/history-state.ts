import { IndexedReader } from './indexed-reader.ts';
import { MODEL, locate, type Change, type Row, type TableName } from './model.ts';

/** A row written, located: its table, project ('' outside projects) and key. */
export const rowKey = (table: TableName, project: string, key: string) => `${table}\u0000${project}\u0000${key}`;

/** A replay reads no directory: everything it reports is in the organization's own rows. */
const NO_DIRECTORY = { user: () => undefined, userByUsername: () => undefined, usersByEmail: () => [] };

/**
 * An organization's organization and project tables rebuilt from logged changes (history.ts): plain
 * maps with the indexes of doc-indexes.ts, read like the documents (ModelReader). No Y.Doc: replaying
 * the demo organization's log through plain maps is what keeps opening a past moment quick.
 * Billing tables are left out (history is about access).
 */
export class ReplayState extends IndexedReader {
	/** table → project → key → row. */
	private readonly tables = new Map<TableName, Map<string, Map<string, unknown>>>();
	protected readonly projects = new Set<string>();

	constructor() {
		super(NO_DIRECTORY);
	}

	/** Applies one mutation's changes; answers the rows it wrote (by rowKey), for attribution. */
	apply(changes: readonly Change[]): string[] {
		const written: string[] = [];
		for (const change of changes) {
			const { table, project, key, row } = locate(change);
			if (MODEL[table].doc === 'billing') continue;
			if (MODEL[table].doc === 'project') this.projects.add(project);
			const byProject = this.tables.get(table) ?? new Map<string, Map<string, unknown>>();
			this.tables.set(table, byProject);
			const rows = byProject.get(project) ?? new Map<string, unknown>();
			byProject.set(project, rows);
			const old = rows.get(key);
			if (row === null) rows.delete(key);
			else rows.set(key, row);
			this.indexes.update(table, project, old, row ?? undefined);
			written.push(rowKey(table, project, key));
		}
		return written;
	}

	private map(table: TableName, project: string): ReadonlyMap<string, unknown> | undefined {
		return this.tables.get(table)?.get(project);
	}

	row<T extends TableName>(table: T, key: string, project = ''): Row<T> | undefined {
		return this.map(table, project)?.get(key) as Row<T> | undefined;
	}
	rows<T extends TableName>(table: T, project = ''): Map<string, Row<T>> {
		return new Map(this.map(table, project) as Map<string, Row<T>> | undefined);
	}
	size(table: TableName, project = '') {
		return this.map(table, project)?.size ?? 0;
	}
}
