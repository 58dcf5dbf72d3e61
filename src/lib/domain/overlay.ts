import { INDEXES, entriesOf, type IndexName } from './doc-indexes.ts';
import { locate, type Change, type Row, type TableName } from './model.ts';
import { ModelReader } from './reader.ts';
import type { OrgState } from './state.ts';

/** Rows as pending changes leave them (null: removed), by table, project ('' outside projects) and key. */
type Pending = Map<TableName, Map<string, Map<string, unknown>>>;

/**
 * Pending changes laid over a synced state, never written into it: the client shows
 * this, and checks each further pending mutation against it. Reads cost O(pending):
 * each index the base keeps is adjusted by the pending rows of its table.
 */
export class OverlayState extends ModelReader {
	/** The synced state under the pending changes. */
	readonly base: OrgState;
	private readonly pendingRows: Pending = new Map();

	constructor(base: OrgState) {
		super(base);
		this.base = base;
	}

	apply(changes: readonly Change[]): void {
		for (const { table, project, key, row } of changes.map(locate)) {
			const byProject = this.pendingRows.get(table) ?? new Map<string, Map<string, unknown>>();
			this.pendingRows.set(table, byProject);
			const rows = byProject.get(project) ?? new Map<string, unknown>();
			byProject.set(project, rows);
			rows.set(key, row);
		}
	}

	/** A table's rows that pending changes touch, by key (null: removed). */
	pending<T extends TableName>(table: T, project = ''): ReadonlyMap<string, Row<T> | null> {
		return (this.pendingRows.get(table)?.get(project) ?? new Map()) as ReadonlyMap<string, Row<T> | null>;
	}

	/** The projects ('' outside projects) where pending changes touch a table. */
	pendingProjects(table: TableName): string[] {
		return [...(this.pendingRows.get(table)?.keys() ?? [])];
	}

	/** Every pending row of a table, in every project, beside the base's row it replaces. */
	private *touched(table: TableName) {
		for (const [project, rows] of this.pendingRows.get(table) ?? []) {
			for (const [key, row] of rows) yield { project, row, was: this.base.row(table, key, project) };
		}
	}

	row<T extends TableName>(table: T, key: string, project = ''): Row<T> | undefined {
		const rows = this.pending(table, project);
		return rows.has(key) ? (rows.get(key) ?? undefined) : this.base.row(table, key, project);
	}
	rows<T extends TableName>(table: T, project = ''): Map<string, Row<T>> {
		const all = this.base.rows(table, project);
		for (const [key, row] of this.pending(table, project)) {
			if (row === null) all.delete(key);
			else all.set(key, row);
		}
		return all;
	}
	size(table: TableName, project = '') {
		let size = this.base.size(table, project);
		for (const [key, row] of this.pending(table, project)) size += +(row !== null) - +(this.base.row(table, key, project) !== undefined);
		return size;
	}
	/** The base's values, less those of the rows pending changes replace, plus those of their new rows. */
	lookup(index: IndexName, key: string) {
		const values = new Set(this.base.lookup(index, key));
		for (const { project, row, was } of this.touched(INDEXES[index].table)) {
			for (const [k, value] of entriesOf(index, was, project)) if (k === key) values.delete(value);
			for (const [k, value] of entriesOf(index, row, project)) if (k === key) values.add(value);
		}
		return [...values];
	}
	/** Recounted against the current base, which may have changed under the pending changes. */
	count(index: IndexName, key: string) {
		const matching = (row: unknown, project: string) => entriesOf(index, row, project).filter(([k]) => k === key).length;
		let count = this.base.count(index, key);
		for (const { project, row, was } of this.touched(INDEXES[index].table)) count += matching(row, project) - matching(was, project);
		return count;
	}
	/** The base's list, with projects whose deployments pending changes touch recounted. */
	projectsWithDeployments() {
		const ids = new Set(this.base.projectsWithDeployments());
		for (const projectId of this.pendingProjects('deployment')) {
			if (this.count('activeDeployments', projectId) > 0) ids.add(projectId);
			else ids.delete(projectId);
		}
		return [...ids];
	}
	protected hasProject(projectId: string) {
		return !!this.base.project(projectId) || this.pending('project', projectId).size > 0;
	}
}
