import type { Directory } from '$lib/domain/index.ts';
import { OrgRoom } from '../org-room.ts';
import type { DocumentStore } from '../storage/documents.ts';

/**
 * The organizations in memory. Each loads once from the store, and each has a lane: work on one
 * organization (checking a mutation, answering a sync request) runs in the order it was queued,
 * so that what a connection sends is checked in the order sent, whatever the store's latency.
 */
export class Rooms {
	private readonly loaded = new Map<string, OrgRoom>();
	private readonly loading = new Map<string, Promise<OrgRoom>>();
	private readonly lanes = new Map<string, Promise<unknown>>();

	constructor(
		private readonly store: DocumentStore,
		private readonly directory: Directory
	) {}

	/** The organizations in memory. */
	loadedIds(): string[] {
		return [...this.loaded.keys()];
	}

	/** An existing organization's room, if it is in memory. */
	get(orgId: string): OrgRoom | undefined {
		return this.loaded.get(orgId);
	}

	/** An existing organization's room, loaded once; undefined for one that does not exist. */
	async load(orgId: string): Promise<OrgRoom | undefined> {
		const room = await this.read(orgId);
		return room.exists() ? room : undefined;
	}

	/** The room as stored, empty for an organization that does not exist yet (org.create fills it; `adopt` keeps it then). */
	read(orgId: string): Promise<OrgRoom> {
		const room = this.loaded.get(orgId);
		if (room) return Promise.resolve(room);
		let loading = this.loading.get(orgId);
		if (!loading) {
			loading = OrgRoom.load(orgId, this.store, this.directory).then((r) => {
				// org.create may have adopted a room while this one loaded: that one is the live one.
				const adopted = this.loaded.get(orgId);
				if (adopted) return adopted;
				if (r.exists()) this.loaded.set(orgId, r);
				return r;
			});
			this.loading.set(orgId, loading);
			void loading.finally(() => this.loading.delete(orgId)).catch(() => {});
		}
		return loading;
	}

	/** Lets a room go (its copy held what the store does not): the next load reads the store again. False when it was not the one kept. */
	evict(room: OrgRoom): boolean {
		if (this.loaded.get(room.orgId) !== room) return false;
		this.loaded.delete(room.orgId);
		return true;
	}

	/** Keeps a room that came to exist (org.create) for good. */
	adopt(room: OrgRoom) {
		if (room.exists()) this.loaded.set(room.orgId, room);
	}

	/** Runs `work` after everything queued on this organization before it. */
	inLane<T>(orgId: string, work: () => Promise<T>): Promise<T> {
		const before = this.lanes.get(orgId) ?? Promise.resolve();
		const done = before.then(work, work);
		const tail = done.catch(() => {});
		this.lanes.set(orgId, tail);
		// An idle lane is forgotten, so that the map does not grow with every id ever named.
		void tail.then(() => {
			if (this.lanes.get(orgId) === tail) this.lanes.delete(orgId);
		});
		return done;
	}

	/** Every organization in the store. */
	async orgIds(prefix: string, orgIdOf: (docId: string) => string | undefined): Promise<string[]> {
		return (await this.store.docIdsWithPrefix(prefix)).flatMap((docId) => orgIdOf(docId) ?? []);
	}
}
