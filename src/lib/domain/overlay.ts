import { entriesOf, indexesOf, type IndexName } from './doc-indexes.ts';
import { locate, type Change, type Row, type TableName } from './model.ts';
import { ModelReader } from './reader.ts';
import type { OrgState } from './state.ts';

/** Rows as pending changes leave them (null: removed), by table, project ('' outside projects) and key. */
type Pending = Map<TableName, Map<string, Map<string, unknown>>>;

/** How pending changes move an index: by key, each value's entries added (+) or removed (−). */
type Deltas = Map<IndexName, Map<string, Map<string, number>>>;

/**
 * Pending changes laid over a synced state, never written into it: the client shows
 * this, and checks each further pending mutation against it. An index read costs what
 * the pending changes did to that key, not all of them: each pending row's entries are
 * counted once against the base row it replaces, and counted again (O(pending), once)
 * only when the base has moved since.
 */
export class OverlayState extends ModelReader {
	/** The synced state under the pending changes. */
	readonly base: OrgState;
	private readonly pendingRows: Pending = new Map();
	private deltas: Deltas = new Map();
	/** The base's writes the deltas were counted against. */
	private counted: number;
	/** Changes laid on, so an overlay over this one sees when it moved. */
	private applied = 0;

	constructor(base: OrgState) {
		super(base);
		this.base = base;
		this.counted = base.writes();
	}

	apply(changes: readonly Change[]): void {
		this.recount();
		this.applied += changes.length;
		for (const { table, project, key, row } of changes.map(locate)) {
			this.move(table, project, this.row(table, key, project), row);
			const byProject = this.pendingRows.get(table) ?? new Map<string, Map<string, unknown>>();
			this.pendingRows.set(table, byProject);
			const rows = byProject.get(project) ?? new Map<string, unknown>();
			byProject.set(project, rows);
			rows.set(key, row);
		}
	}

	/** How a row going from `was` to `now` moves the indexes of its table. */
	private move(table: TableName, project: string, was: unknown, now: unknown) {
		for (const index of indexesOf(table)) {
			for (const [k, value] of entriesOf(index, was, project)) this.shift(index, k, value, -1);
			for (const [k, value] of entriesOf(index, now, project)) this.shift(index, k, value, 1);
		}
	}

	/** The deltas against the base as it is now: counted again, from the pending rows, if the base moved. */
	private recount() {
		if (this.counted === this.base.writes()) return;
		this.counted = this.base.writes();
		this.deltas = new Map();
		for (const [table, byProject] of this.pendingRows) {
			for (const [project, rows] of byProject)
				for (const [key, row] of rows) this.move(table, project, this.base.row(table, key, project), row);
		}
	}

	private shift(index: IndexName, key: string, value: string, by: number) {
		const byKey = this.deltas.get(index) ?? new Map<string, Map<string, number>>();
		this.deltas.set(index, byKey);
		const values = byKey.get(key) ?? new Map<string, number>();
		byKey.set(key, values);
		values.set(value, (values.get(value) ?? 0) + by);
	}

	/** A table's rows that pending changes touch, by key (null: removed). */
	pending<T extends TableName>(table: T, project = ''): ReadonlyMap<string, Row<T> | null> {
		return (this.pendingRows.get(table)?.get(project) ?? new Map()) as ReadonlyMap<string, Row<T> | null>;
	}

	/** The projects ('' outside projects) where pending changes touch a table. */
	pendingProjects(table: TableName): string[] {
		return [...(this.pendingRows.get(table)?.keys() ?? [])];
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
		this.recount();
		const moved = this.deltas.get(index)?.get(key);
		if (!moved) return this.base.lookup(index, key);
		const values = new Set(this.base.lookup(index, key));
		for (const [value, by] of moved) {
			if (by > 0) values.add(value);
			else if (by < 0) values.delete(value);
		}
		return [...values];
	}
	count(index: IndexName, key: string) {
		this.recount();
		let count = this.base.count(index, key);
		for (const by of this.deltas.get(index)?.get(key)?.values() ?? []) count += by;
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
	writes() {
		return this.base.writes() + this.applied;
	}
	protected hasProject(projectId: string) {
		return !!this.base.project(projectId) || this.pending('project', projectId).size > 0;
	}
}
