import { OrgDocState, mayRead, type Directory, type ReadTarget } from '$lib/domain/index.ts';
import { billingDocId, orgDocId, parseDocId, projectDocId } from '$lib/protocol/messages.ts';
import { DocRoom } from './doc-room.ts';
import type { DocumentStore, StoredUpdate } from './storage/documents.ts';

/** An organization's document and its projects' documents, with the state the rules read. */
export class OrgRoom {
	readonly state: OrgDocState;
	private readonly projects = new Map<string, DocRoom>();
	/** Documents changed since the last commit. */
	readonly dirty = new Set<DocRoom>();
	readonly org: DocRoom;
	readonly billing: DocRoom;

	private constructor(
		readonly orgId: string,
		docs: Map<string, StoredUpdate[]>,
		directory: Directory
	) {
		const markDirty = (room: DocRoom) => this.dirty.add(room);
		const room = (docId: string) => new DocRoom(docId, docs.get(docId) ?? [], markDirty);
		this.org = room(orgDocId(orgId));
		this.billing = room(billingDocId(orgId));
		for (const docId of docs.keys()) {
			const projectId = parseDocId(docId)?.projectId;
			if (projectId) this.projects.set(projectId, room(docId));
		}
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

	/** Reads the organization's documents from the store; an organization not stored yet loads empty. */
	static async load(orgId: string, store: DocumentStore, directory: Directory): Promise<OrgRoom> {
		const docIds = [orgDocId(orgId), billingDocId(orgId), ...(await store.docIdsWithPrefix(projectDocId(orgId, '')))];
		const rows = await Promise.all(docIds.map((docId) => store.docUpdates(docId)));
		return new OrgRoom(orgId, new Map(docIds.map((docId, i) => [docId, rows[i]!])), directory);
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
