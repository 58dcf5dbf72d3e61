import { nextExpiryDue } from '$lib/domain/index.ts';
import type { SyncHub } from './hub.ts';
import type { DocumentStore } from './storage/documents.ts';
import type { Reaction } from './sync/reactions.ts';

/**
 * rules §6: keeps in the store each organization's next moment the expiry run has work in it
 * (nextExpiryDue), so that the run visits only the organizations whose moment has passed instead
 * of loading every one each minute. Kept after each commit from the state it left, with the
 * organization's sequence: the store keeps the write of the highest one, so a late write (this
 * server's or another's) never replaces a newer moment. A store older than the moments is filled
 * once from every organization.
 */
export class ExpiryDue {
	/**
	 * The moment this server last kept for each organization it committed to, so that a commit that
	 * leaves it as it was writes nothing. Forgotten once another server commits to the organization:
	 * what that one kept is not known here.
	 */
	private readonly kept = new Map<string, number | null>();
	/** This server's writes under way: the run asks the store once they landed, so it sees its own commits' moments. */
	private readonly writing = new Set<Promise<void>>();
	/** Organizations whose moment could not be written: worked out again before the next run asks the store, so none is applied late. */
	private readonly unwritten = new Set<string>();
	private filled = false;

	constructor(
		private readonly documents: DocumentStore,
		private readonly hub: Pick<SyncHub, 'catchUp' | 'orgState' | 'orgIds'>
	) {}

	/** For hub.onCommitted: each organization a batch changed gets its moment as of the batch. */
	readonly reaction: Reaction = (batch) => {
		for (const { room } of batch.remote) this.kept.delete(room.orgId);
		for (const room of new Set(batch.updates.map((u) => u.room))) {
			const due = nextExpiryDue(room.state) ?? null;
			// An organization not kept here reads undefined, never a moment: it is written.
			if (this.kept.get(room.orgId) === due) continue;
			this.keep(room.orgId, due, room.seq).catch((err: unknown) =>
				console.error(`the next expiry of organization ${room.orgId} was not kept`, err)
			);
		}
	};

	/** The organizations whose moment has passed by `now`, the store filled first if it never was. */
	async dueBy(now: number): Promise<string[]> {
		if (!this.filled) await this.fill();
		await Promise.all(this.writing);
		for (const orgId of [...this.unwritten]) await this.refresh(orgId).catch(() => undefined);
		return this.documents.expiryDueBy(now);
	}

	/**
	 * Keeps the organization's moment as its state stands, whatever was kept: after the run visited
	 * it (a moment kept wrong, its write having failed, would bring the run back every minute), and
	 * for the first fill.
	 */
	async refresh(orgId: string): Promise<void> {
		// The head is read before the state: never above the state's own sequence, so a commit's exact write still wins over this one.
		const seq = (await this.documents.heads([orgId])).get(orgId) ?? 0;
		await this.hub.catchUp(orgId);
		const state = await this.hub.orgState(orgId);
		await this.keep(orgId, (state && nextExpiryDue(state)) ?? null, seq);
	}

	private keep(orgId: string, due: number | null, seq: number): Promise<void> {
		this.kept.set(orgId, due);
		const write = this.documents.keepExpiryDue(orgId, due, seq);
		// A failed write is made again before the next run asks the store, or at the organization's next commit.
		const landed = write.then(
			() => void this.unwritten.delete(orgId),
			() => {
				this.kept.delete(orgId);
				this.unwritten.add(orgId);
			}
		);
		this.writing.add(landed);
		void landed.finally(() => this.writing.delete(landed));
		return write;
	}

	/**
	 * A store holding organizations from before the moments were kept: each one's is worked out
	 * once (every organization loaded, once), then the store is marked so that no server does it
	 * again. Not marked while any organization failed: the next run tries again.
	 */
	private async fill() {
		if (!(await this.documents.expiryDueFilled())) {
			let failed = false;
			for (const orgId of await this.hub.orgIds()) {
				await this.refresh(orgId).catch((err: unknown) => {
					failed = true;
					console.error(`the next expiry of organization ${orgId} could not be worked out`, err);
				});
			}
			if (failed) return;
			await this.documents.markExpiryDueFilled();
		}
		this.filled = true;
	}
}
