import { OrgDocState, canReadProject, managedElsewhere, roleMay, type Directory } from '$lib/domain/index.ts';
import { billingDocId, orgDocId, parseDocId, projectDocId } from '$lib/protocol/messages.ts';
import { DocRoom } from './doc-room.ts';
import type { Store } from './store.ts';

/** An organization's document and its projects' documents, with the state the rules read. */
export class OrgRoom {
	readonly org: DocRoom;
	readonly billing: DocRoom;
	readonly state: OrgDocState;
	private readonly projects = new Map<string, DocRoom>();
	/** Documents changed since the last commit. */
	readonly dirty = new Set<DocRoom>();

	constructor(
		readonly orgId: string,
		store: Store,
		directory: Directory
	) {
		const markDirty = (room: DocRoom) => this.dirty.add(room);
		this.org = new DocRoom(orgDocId(orgId), store, markDirty);
		this.billing = new DocRoom(billingDocId(orgId), store, markDirty);
		for (const docId of store.docIdsWithPrefix(projectDocId(orgId, ''))) {
			const projectId = parseDocId(docId)?.projectId;
			if (projectId) this.projects.set(projectId, new DocRoom(docId, store, markDirty));
		}
		this.state = new OrgDocState(this.org.doc, directory, (projectId) => {
			const room = new DocRoom(projectDocId(orgId, projectId), store, markDirty);
			this.projects.set(projectId, room);
			return room.doc;
		}, this.billing.doc);
		for (const [projectId, room] of this.projects) this.state.attachProject(projectId, room.doc);
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

	/** SPEC §1–2 and invariant 10: members read the organization; projects as canReadProject says; billing by role. */
	mayRead(docId: string, userId: string): boolean {
		const parsed = parseDocId(docId);
		if (parsed?.orgId !== this.orgId) return false;
		// A member managed by another organization reads nothing here (see managedElsewhere).
		if (managedElsewhere(this.orgId, this.state.member(userId))) return false;
		if (parsed.billing) {
			const role = this.state.member(userId)?.role;
			return role !== undefined && roleMay(role, 'billing.view');
		}
		if (parsed.projectId === undefined) return this.state.member(userId) !== undefined;
		return canReadProject(this.state, parsed.projectId, userId);
	}

	/** The documents a user may read now. */
	readableBy(userId: string): string[] {
		if (!this.state.member(userId)) return [];
		return this.docIds().filter((docId) => this.mayRead(docId, userId));
	}
}
