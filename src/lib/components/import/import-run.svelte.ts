import { attempt } from '$lib/client/attempt.ts';
import type { OrgModel } from '$lib/client/org-model.svelte.ts';
import type { RosterSession } from '$lib/client/roster.svelte.ts';
import { planBulk, type BulkPlan } from '$lib/domain/bulk-csv-plan.ts';
import { parseBulkCsv, type BulkMode } from '$lib/domain/bulk-csv.ts';
import type { Mutation } from '$lib/domain/index.ts';

/** What became of a sent row: its mutations answered one by one, the first refusal ending the row. */
export type RowAnswer =
	| { status: 'sending' | 'accepted' | 'queued' }
	| { status: 'refused'; message: string; partly: boolean }
	| { status: 'unsent'; message: string };

const NEW_MEMBER_EXPIRY =
	'The expiry was not sent: it needs the new member’s account, known once the add is answered. Set it on the members page when back online.';

/** Whether a row has something to send. */
export const sendable = (plan: BulkPlan) => plan.verdict.kind !== 'refused' && plan.steps.length > 0;

/**
 * One import on the page: the pasted or uploaded text previewed live against the organization as
 * this browser holds it, then frozen when sent, so the rows keep the verdicts they were sent with.
 */
export class ImportRun {
	text = $state('');
	mode = $state<BulkMode>('add');
	/** The plans as sent; the preview no longer follows the organization once set. */
	sent = $state.raw<BulkPlan[] | undefined>();
	answers = $state<(RowAnswer | undefined)[]>([]);
	sending = $state(false);

	readonly parsed = $derived(this.text.trim() ? parseBulkCsv(this.text, this.mode) : undefined);
	readonly preview = $derived.by(() => {
		if (!this.parsed?.ok) return [];
		const { orgId } = this.view;
		const now = Date.now();
		const ctx = { actorId: this.session.user.id, now, steppedUpAt: now };
		const options = { orgId, mode: this.mode, projects: this.view.projects, newId: () => crypto.randomUUID() };
		return planBulk(this.parsed.rows, this.view.state, ctx, options);
	});
	readonly plans = $derived(this.sent ?? this.preview);
	readonly accepted = $derived(this.plans.filter(sendable).length);

	constructor(
		private readonly session: RosterSession,
		private readonly view: OrgModel
	) {}

	/** Sends each accepted row's mutations in order, each through the normal path (offline, they queue in the outbox). */
	async send() {
		const plans = this.preview;
		this.sent = plans;
		this.answers = plans.map(() => undefined);
		this.sending = true;
		for (const [i, plan] of plans.entries()) {
			if (!sendable(plan)) continue;
			this.answers[i] = { status: 'sending' };
			const answer = await this.sendRow(plan);
			this.answers[i] = answer;
			if (answer.status === 'unsent') {
				for (const [j, rest] of plans.entries()) if (j > i && sendable(rest)) this.answers[j] = answer;
				break;
			}
		}
		this.sending = false;
	}

	private async sendRow(plan: BulkPlan): Promise<RowAnswer> {
		let queued = false;
		for (const [i, step] of plan.steps.entries()) {
			const mutation = this.withUserId(plan, step.mutation);
			if (!mutation) return { status: 'refused', message: NEW_MEMBER_EXPIRY, partly: true };
			const answer = await attempt(this.session, this.view, mutation);
			if (answer.status === 'cancelled') return { status: 'unsent', message: 'Not sent: the two-factor code was not given.' };
			if (answer.status === 'refused') return { status: 'refused', message: answer.message, partly: i > 0 };
			queued ||= answer.status === 'queued';
		}
		return { status: queued ? 'queued' : 'accepted' };
	}

	/**
	 * This browser knows a member the row adds by a stand-in id until the server answers the add (its update
	 * arrives before its verdict): the expiry names the id the synced organization now holds, or waits if the
	 * add was only queued.
	 */
	private withUserId(plan: BulkPlan, mutation: Mutation): Mutation | undefined {
		if (mutation.type !== 'access.setExpiry' || mutation.target.kind !== 'member' || plan.verdict.kind !== 'added') return mutation;
		const member = this.session.replicas.get(this.view.orgId)?.state.memberByUsername(plan.who);
		return member && { ...mutation, target: { ...mutation.target, userId: member.userId } };
	}

	/** A new import: the sent rows' table goes. */
	reset() {
		this.sent = undefined;
		this.answers = [];
		this.text = '';
	}
}
