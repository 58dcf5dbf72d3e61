import * as Y from 'yjs';
import { IndexedReader } from './indexed-reader.ts';
import { MODEL, docMap, locate, writeDoc, type Change, type Row, type TableName, type Write } from './model.ts';
import type { Directory } from './reader.ts';

/**
 * An organization's state over its Y.Docs (its own, its projects', its billing one), with
 * the indexes of doc-indexes.ts kept up to date by observing their maps, so a check never
 * scans the organization.
 */
export class OrgDocState extends IndexedReader {
	readonly doc: Y.Doc;
	private billingDocument: Y.Doc;
	protected readonly projects = new Map<string, { doc: Y.Doc; unwatch: () => void }>();
	private unwatchBilling: () => void;

	/**
	 * `newProjectDoc` makes the document of a project first seen (the server backs it with
	 * a room); `billingDoc` is the organization's billing document.
	 */
	constructor(
		doc: Y.Doc,
		directory: Directory,
		private readonly newProjectDoc: (projectId: string) => Y.Doc = () => new Y.Doc(),
		billingDoc = new Y.Doc()
	) {
		super(directory);
		this.doc = doc;
		this.indexes.watch(doc, 'org', '');
		this.billingDocument = billingDoc;
		this.unwatchBilling = this.indexes.watch(billingDoc, 'billing', '');
	}

	/** The document holding a table's rows: for a project table the project's, made first when `make` (else undefined if unknown). */
	docOf(table: TableName, project: string, make = false): Y.Doc | undefined {
		const kind = MODEL[table].doc;
		switch (kind) {
			case 'org':
				return this.doc;
			case 'billing':
				return this.billingDocument;
			case 'project':
				return make ? this.projectDoc(project) : this.projects.get(project)?.doc;
			default:
				return kind satisfies never;
		}
	}

	row<T extends TableName>(table: T, key: string, project = ''): Row<T> | undefined {
		const doc = this.docOf(table, project);
		return doc && docMap(doc, table).get(key);
	}
	rows<T extends TableName>(table: T, project = ''): Map<string, Row<T>> {
		const doc = this.docOf(table, project);
		return new Map(doc ? docMap(doc, table).entries() : []);
	}
	size(table: TableName, project = '') {
		const doc = this.docOf(table, project);
		return doc ? docMap(doc, table).size : 0;
	}

	/** Adds a project's document (loaded or received) and indexes it. */
	attachProject(projectId: string, doc: Y.Doc): Y.Doc {
		this.projects.set(projectId, { doc, unwatch: this.indexes.watch(doc, 'project', projectId) });
		return doc;
	}

	/** Forgets a project's document (the client lost read access to it). */
	detachProject(projectId: string) {
		this.projects.get(projectId)?.unwatch();
		this.projects.delete(projectId);
	}

	projectDoc(projectId: string): Y.Doc {
		return this.projects.get(projectId)?.doc ?? this.attachProject(projectId, this.newProjectDoc(projectId));
	}

	billingDoc(): Y.Doc {
		return this.billingDocument;
	}

	/** Forgets the billing document (the client lost read access to it). */
	resetBilling() {
		this.unwatchBilling();
		this.billingDocument.destroy();
		this.billingDocument = new Y.Doc();
		this.unwatchBilling = this.indexes.watch(this.billingDocument, 'billing', '');
	}
}

/**
 * Applies accepted changes to the organization's documents, one transaction per document:
 * billing, then the organization, then each project in the order the changes name them.
 */
export function applyChanges(state: OrgDocState, changes: readonly Change[], origin: unknown): void {
	const byDoc = new Map<Y.Doc, Write[]>();
	const rank = (doc: Y.Doc) => (doc === state.billingDoc() ? 0 : doc === state.doc ? 1 : 2);
	for (const write of changes.map(locate)) {
		const doc = state.docOf(write.table, write.project, true)!;
		const writes = byDoc.get(doc) ?? [];
		writes.push(write);
		byDoc.set(doc, writes);
	}
	for (const [doc, writes] of [...byDoc].sort(([a], [b]) => rank(a) - rank(b))) writeDoc(doc, writes, origin);
}

/** Organization-level changes only, straight to an organization document. */
export function applyOrgChanges(doc: Y.Doc, changes: readonly Change[], origin: unknown) {
	const stray = changes.find((c) => MODEL[locate(c).table].doc !== 'org');
	if (stray) throw new Error(`${stray.kind} is not an organization change`);
	writeDoc(doc, changes.map(locate), origin);
}
