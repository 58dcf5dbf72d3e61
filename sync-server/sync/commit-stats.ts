/** How long commits held their organizations' write locks: what bounds one organization's rate (docs/deploy.md). */
export class CommitStats {
	private held: number[] = [];
	commits = 0;
	entries = 0;

	record(heldMs: number, entries: number) {
		this.commits++;
		this.entries += entries;
		// The latest samples are enough for percentiles, and memory stays bounded.
		if (this.held.length >= 100_000) this.held = this.held.slice(50_000);
		this.held.push(heldMs);
	}

	/** One line for an operator or the benchmark. */
	summary(): string {
		const sorted = [...this.held].sort((a, b) => a - b);
		const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2) : '-');
		const per = this.commits ? (this.entries / this.commits).toFixed(1) : '-';
		return `commit stats: ${this.commits} commits, ${per} mutations each; organization locks held p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`;
	}
}
