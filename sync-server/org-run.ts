import type { SyncHub } from './hub.ts';
import type { Limits } from './limits.ts';

/**
 * A run the server makes over organizations on a timer (billing: every one; expiries: those with
 * something due): runs are queued one after another, and each organization is visited under its
 * lock across servers (every server runs them), on its state as last committed by any server.
 * Named by `job` in locks and logs.
 */
export abstract class OrgRun<D extends { hub: SyncHub; limits: Limits }> {
	private queue: Promise<void> = Promise.resolve();
	private timer: ReturnType<typeof setInterval> | undefined;

	constructor(
		private readonly job: string,
		protected readonly deps: D
	) {}

	/** Visits the organizations once. */
	abstract run(): Promise<void>;

	/** Runs now, then every `intervalMs`, without keeping the process alive. */
	start(intervalMs: number) {
		void this.run();
		this.timer = setInterval(() => void this.run(), intervalMs);
		this.timer.unref();
	}

	/** Stops the timer and waits for queued work. */
	async stop() {
		clearInterval(this.timer);
		await this.queue;
	}

	/**
	 * Queues `work` on each organization `orgIds` answers (by default every one, asked once the run's
	 * turn comes) in turn, under its lock; one organization's failure leaves the others run.
	 */
	protected eachOrg(work: (orgId: string) => Promise<void>, orgIds = () => this.deps.hub.orgIds()): Promise<void> {
		return this.serial(async () => {
			for (const orgId of await orgIds()) {
				await this.locked(orgId, () => work(orgId)).catch((err: unknown) =>
					console.error(`${this.job} run failed for organization ${orgId}`, err)
				);
			}
		});
	}

	/** Queues work after what is queued; a failure is logged and stops nothing later, so the promise never rejects. */
	protected serial(work: () => Promise<void>): Promise<void> {
		this.queue = this.queue.then(work).catch((err: unknown) => console.error(`${this.job} run failed`, err));
		return this.queue;
	}

	/** Runs `work` holding the organization's lock, on its state as last committed by any server; skipped while another server holds it. */
	protected async locked(orgId: string, work: () => Promise<void>) {
		await this.deps.limits.jobs.tryRun(`${this.job}:${orgId}`, async () => {
			await this.deps.hub.catchUp(orgId);
			await work();
		});
	}
}
