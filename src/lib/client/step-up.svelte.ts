import { STEP_UP_TTL_MS, needsStepUp, type Mutation, type UserProfile } from '../domain/index.ts';
import type { ApiResult } from './api.ts';

/**
 * rules §4 step-up: a user with two-factor enters a code before a sensitive change, at most
 * every 10 minutes. Asked only while online (the code is checked by the server); a change
 * queued offline is checked when it arrives and, if refused, its Retry asks.
 */
export class StepUp {
	/** Until when (this browser's clock) the session's last two-factor code confirms sensitive changes. */
	until = $state(0);
	/** A sensitive change waiting for the user to enter a code (StepUpDialog answers it). */
	prompt = $state.raw<{ answer(confirmed: boolean): void } | null>(null);
	private answer: Promise<boolean> | null = null;

	constructor(
		private readonly context: { user: UserProfile; online: boolean },
		/** Tells the browser's other tabs: they share this session, so a code entered in one confirms them all. */
		private readonly share: (validForMs: number) => void
	) {}

	/** The server said how much longer the last code holds (sign-in, welcome, another tab's code). */
	confirmedFor(validForMs: number) {
		this.until = Date.now() + validForMs;
	}

	/** A code was just entered in this tab (a step-up, an enrolment): the other tabs are told too. */
	entered(validForMs: number) {
		this.confirmedFor(validForMs);
		this.share(validForMs);
	}

	/** The server's clock says the code no longer holds: ask again. */
	expire() {
		this.until = 0;
	}

	/** Whether these mutations may go: true at once unless one is sensitive and the code is due. */
	async confirmed(mutations: readonly Mutation[]): Promise<boolean> {
		const { user, online } = this.context;
		const ctx = { actorId: user.id, now: Date.now(), steppedUpAt: this.until - STEP_UP_TTL_MS };
		if (!online || !mutations.some((m) => needsStepUp(user, m.type, ctx))) return true;
		return this.ask();
	}

	/**
	 * An account request (managed users, cards) that the server may refuse for want of a fresh
	 * code: on that refusal, asks for one and tries once more.
	 */
	async retrying<T>(request: () => Promise<ApiResult<T>>): Promise<ApiResult<T>> {
		const first = await request();
		if (first.ok || first.code !== 'STEP_UP_REQUIRED') return first;
		this.expire();
		return (await this.ask()) ? request() : first;
	}

	/** Opens the code prompt; changes sent at once (a multi-entry add) share one prompt and its answer. */
	private ask(): Promise<boolean> {
		this.answer ??= new Promise<boolean>((resolve) => {
			this.prompt = {
				answer: (confirmed) => {
					this.prompt = null;
					this.answer = null;
					resolve(confirmed);
				}
			};
		});
		return this.answer;
	}
}
