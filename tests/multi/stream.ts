import type { VerdictMessage } from '$lib/protocol/messages.ts';
import type { TestClient } from '../server/test-client.ts';

export interface Sending {
	id: string;
	body: unknown;
}

/**
 * One user's mutations, sent with a few in flight at a time (as a busy client does) over
 * whatever socket it is given; a socket that closes leaves the rest unanswered, to be sent
 * again, under the same ids, over the next one (`send` once more).
 */
export class MutationStream {
	readonly verdicts = new Map<string, VerdictMessage>();
	private readonly waiting = new Set<() => void>();

	constructor(
		readonly items: readonly Sending[],
		private readonly inFlight = 4
	) {}

	/** Sends every unanswered item over `client`; resolves once each is answered or the socket closed. */
	async send(client: TestClient): Promise<void> {
		const queue = this.unanswered();
		const worker = async () => {
			for (let item = queue.shift(); item; item = queue.shift()) {
				const verdict = await client.mutate(item.body, item.id).catch(() => undefined);
				if (!verdict) return;
				this.verdicts.set(item.id, verdict);
				for (const w of this.waiting) w();
			}
		};
		await Promise.all(Array.from({ length: this.inFlight }, worker));
	}

	unanswered(): Sending[] {
		return this.items.filter((i) => !this.verdicts.has(i.id));
	}

	/** The ids answered ok. */
	accepted(): string[] {
		return this.items.filter((i) => this.verdicts.get(i.id)?.ok).map((i) => i.id);
	}

	/** Resolves once `n` items have verdicts. */
	answered(n: number): Promise<void> {
		return new Promise((resolve) => {
			const check = () => {
				if (this.verdicts.size < n) return;
				this.waiting.delete(check);
				resolve();
			};
			this.waiting.add(check);
			check();
		});
	}
}
