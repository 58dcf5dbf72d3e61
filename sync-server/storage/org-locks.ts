/**
 * Organizations' write locks within one process: `acquire` resolves once every named
 * organization is free, and holds them all until the release it returns is called. Waiters
 * are served in the order they asked, so no writer starves.
 */
export class OrgLocks {
	private readonly tails = new Map<string, Promise<void>>();

	async acquire(orgIds: readonly string[]): Promise<() => void> {
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		const before = [...new Set(orgIds)].map((orgId) => {
			const prior = this.tails.get(orgId) ?? Promise.resolve();
			this.tails.set(orgId, held);
			void held.then(() => {
				if (this.tails.get(orgId) === held) this.tails.delete(orgId);
			});
			return prior;
		});
		await Promise.all(before);
		return release;
	}
}
