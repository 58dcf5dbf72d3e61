import { createHash } from 'node:crypto';
import * as Y from 'yjs';
import type { Value } from './tables.ts';

/** One table's rows on one side: how many, and a hash of their copied columns in key order. */
export interface Tally {
	rows: number;
	hash: string;
}

export interface TableLine {
	table: string;
	source: Tally;
	target: Tally;
}

/** An organization's documents on one side, each rebuilt from its updates: how many, and a hash of their states. */
export interface OrgLine {
	orgId: string;
	source: Tally;
	target: Tally;
}

export interface CopyReport {
	tables: TableLine[];
	orgs: OrgLine[];
	/** Whether every table and every organization's documents are the same on both sides. */
	equal: boolean;
}

const same = (l: { source: Tally; target: Tally }) => l.source.rows === l.target.rows && l.source.hash === l.target.hash;

export function report(tables: TableLine[], orgs: OrgLine[]): CopyReport {
	return { tables, orgs, equal: tables.every(same) && orgs.every(same) };
}

/** sha256 over each row's values as JSON (bytes as base64), one line a row. */
export async function tally(rows: Iterable<Value[]> | AsyncIterable<Value[]>): Promise<Tally> {
	const hash = createHash('sha256');
	let count = 0;
	for await (const row of rows) {
		hash.update(JSON.stringify(row.map((v) => (Buffer.isBuffer(v) ? { bytes: v.toString('base64') } : v))) + '\n');
		count++;
	}
	return { rows: count, hash: hash.digest('hex') };
}

/**
 * Each organization's documents rebuilt from `updates` (ordered by organization, document, then
 * sequence): per organization, the number of documents and a hash of each one's id, state vector
 * and whole state (Y.encodeStateVector, Y.encodeStateAsUpdate), in document order.
 */
export async function orgStates(updates: Iterable<{ org_id: string; doc_id: string; data: Uint8Array }>): Promise<Map<string, Tally>> {
	const byOrg = new Map<string, Map<string, Y.Doc>>();
	for (const u of updates) {
		let docs = byOrg.get(u.org_id);
		if (!docs) byOrg.set(u.org_id, (docs = new Map()));
		let doc = docs.get(u.doc_id);
		if (!doc) docs.set(u.doc_id, (doc = new Y.Doc()));
		Y.applyUpdate(doc, u.data);
	}
	const states = new Map<string, Tally>();
	for (const [orgId, docs] of byOrg) {
		const rows = [...docs].map(([docId, doc]): Value[] => [
			docId,
			Buffer.from(Y.encodeStateVector(doc)),
			Buffer.from(Y.encodeStateAsUpdate(doc))
		]);
		states.set(orgId, await tally(rows));
		for (const doc of docs.values()) doc.destroy();
	}
	return states;
}

/** The organizations of either side, each with both sides' documents (none where a side has none). */
export function orgLines(source: Map<string, Tally>, target: Map<string, Tally>): OrgLine[] {
	const none: Tally = { rows: 0, hash: '-' };
	const ids = [...new Set([...source.keys(), ...target.keys()])].sort();
	return ids.map((orgId) => ({ orgId, source: source.get(orgId) ?? none, target: target.get(orgId) ?? none }));
}

/** The report as a table to print: rows and a short hash on each side, and whether they are equal. */
export function formatReport(r: CopyReport): string {
	const line = (name: string, l: { source: Tally; target: Tally }) =>
		[
			name.padEnd(28),
			String(l.source.rows).padStart(8),
			String(l.target.rows).padStart(8),
			l.source.hash.slice(0, 16).padEnd(17),
			l.target.hash.slice(0, 16).padEnd(17),
			same(l) ? 'equal' : 'DIFFERS'
		].join(' ');
	const head = ['table'.padEnd(28), 'source'.padStart(8), 'target'.padStart(8), 'hash (source)'.padEnd(17), 'hash (target)'.padEnd(17)];
	return [
		head.join(' '),
		...r.tables.map((t) => line(t.table, t)),
		'',
		['documents of'.padEnd(28), 'docs'.padStart(8), 'docs'.padStart(8), 'state (source)'.padEnd(17), 'state (target)'.padEnd(17)].join(' '),
		...r.orgs.map((o) => line(o.orgId || '(no organization)', o)),
		'',
		r.equal ? 'Every table and every organization’s documents are equal on both sides.' : 'The copy DIFFERS from the source (see above).'
	]
		.map((l) => l.trimEnd())
		.join('\n');
}
