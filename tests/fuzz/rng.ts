/** A seeded PRNG (mulberry32): the same seed gives the same run. */
export class Rng {
	private state: number;

	constructor(seed: number) {
		this.state = seed >>> 0;
	}

	/** A float in [0, 1). */
	next(): number {
		let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	}

	/** An integer in [0, n). */
	int(n: number): number {
		return Math.floor(this.next() * n);
	}

	chance(p: number): boolean {
		return this.next() < p;
	}

	pick<T>(items: readonly T[]): T {
		if (items.length === 0) throw new Error('pick from nothing');
		return items[this.int(items.length)]!;
	}

	/** One of the entries, each as likely as its weight. */
	weighted<T>(entries: readonly (readonly [T, number])[]): T {
		const total = entries.reduce((sum, [, w]) => sum + w, 0);
		let r = this.next() * total;
		for (const [value, w] of entries) {
			if ((r -= w) < 0) return value;
		}
		return entries[entries.length - 1]![0];
	}
}
