import { OrgDocState, mayRead, type Directory, type ReadTarget } from '$lib/domain/index.ts';
import { billingDocId, orgDocId, parseDocId, projectDocId } from '$lib/protocol/messages.ts';
import { DocRoom } from './doc-room.ts';
import type { DocumentStore, OrgLog, StoredUpdate } from './storage/documents.ts';

/**
 * An organization's document and its projects' documents, with the state the rules read, as of
 * the organization's sequence `seq` in the store (plus, during a commit, what is being committed).
 */
export class OrgRoom {
	readonly state: OrgDocState;
	private readonly projects = new Map<string, DocRoom>();
	/** Documents changed since the last commit. */
	readonly dirty = new Set<DocRoom>();
	readonly org: DocRoom;
	readonly billing: DocRoom;
	/** The organization's sequence in the store that this copy holds everything up to. */
	seq: number;

	private constructor(
		readonly orgId: string,
		log: OrgLog,
		directory: Directory
	) {
		this.seq = log.head;
		const docs = new Map<string, StoredUpdate[]>();
		for (const u of log.updates) {
			const rows = docs.get(u.docId);
			if (rows) rows.push(u);
			else docs.set(u.docId, [u]);
		}
		const markDirty = (room: DocRoom) => this.dirty.add(room);
		const room = (docId: string): DocRoom => new DocRoom(orgId, docId, docs.get(docId) ?? [], markDirty);
		this.org = room(orgDocId(orgId));
		this.billing = room(billingDocId(orgId));
		for (const docId of docs.keys()) {
			const projectId = parseDocId(docId)?.projectId;
			if (projectId) this.projects.set(projectId, room(docId));
		}
		this.newDocRoom = room;
		this.state = new OrgDocState(
			this.org.doc,
			directory,
			(projectId) => {
				const created = room(projectDocId(orgId, projectId));
				this.projects.set(projectId, created);
				return created.doc;
			},
			this.billing.doc
		);
		for (const [projectId, project] of this.projects) this.state.attachProject(projectId, project.doc);
	}

	private readonly newDocRoom: (docId: string) => DocRoom;

	/** Reads the organization's documents from the store; an organization not stored yet loads empty. */
	static async load(orgId: string, store: DocumentStore, directory: Directory): Promise<OrgRoom> {
		return new OrgRoom(orgId, await store.orgLog(orgId, 0), directory);
	}

	/**
	 * Applies what was committed after `seq` (by another server), in order: a project document
	 * seen for the first time is attached. Answers each applied update with its document, to publish.
	 */
	applyLog(log: OrgLog): { docRoom: DocRoom; update: Uint8Array }[] {
		const applied: { docRoom: DocRoom; update: Uint8Array }[] = [];
		for (const row of log.updates) {
			if (row.seq <= this.seq) continue;
			const docRoom = this.docRoom(row.docId) ?? this.attach(row.docId);
			if (!docRoom) continue;
			docRoom.applyCommitted(row);
			applied.push({ docRoom, update: row.data });
		}
		this.seq = Math.max(this.seq, log.head);
		return applied;
	}

	/** A project document another server created. */
	private attach(docId: string): DocRoom | undefined {
		const projectId = parseDocId(docId)?.projectId;
		if (projectId === undefined || parseDocId(docId)?.orgId !== this.orgId) return undefined;
		const created = this.newDocRoom(docId);
		this.projects.set(projectId, created);
		this.state.attachProject(projectId, created.doc);
		return created;
	}

	exists(): boolean {
		return this.state.org() !== undefined;
	}

	docRoom(docId: string): DocRoom | undefined {
		const parsed = parseDocId(docId);
		if (parsed?.orgId !== this.orgId) return undefined;
		if (parsed.billing) return this.billing;
		return parsed.projectId === undefined ? this.org : this.projects.get(parsed.projectId);
	}

	docIds(): string[] {
		return [this.org.docId, this.billing.docId, ...[...this.projects.values()].map((r) => r.docId)];
	}

	/** The domain's read rule (read-access.ts) for one of this organization's documents. */
	mayRead(docId: string, userId: string): boolean {
		const target = readTarget(this.orgId, docId);
		return target !== undefined && mayRead(this.state, target, userId);
	}

	/** The documents a user may read now. */
	readableBy(userId: string): string[] {
		if (!this.state.member(userId)) return [];
		return this.docIds().filter((docId) => this.mayRead(docId, userId));
	}
}

/** What a document id names within an organization; undefined for another organization's or none. */
function readTarget(orgId: string, docId: string): ReadTarget | undefined {
	const parsed = parseDocId(docId);
	if (parsed?.orgId !== orgId) return undefined;
	if (parsed.billing) return { doc: 'billing' };
	return parsed.projectId === undefined ? { doc: 'org' } : { doc: 'project', projectId: parsed.projectId };
}
