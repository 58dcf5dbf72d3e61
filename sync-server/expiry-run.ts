import { EXPIRY_REMINDER_MS, expiryHolder, expiryKey, expiryTargets, type ExpiryTarget, type OrgState } from '$lib/domain/index.ts';
import type { ExpiryDue } from './expiry-due.ts';
import { expiryBlockedMail, expiryReminderMail, holderOf, teamAddresses } from './expiry-mail.ts';
import type { SyncHub } from './hub.ts';
import type { Limits } from './limits.ts';
import type { Mail, Mailer } from './mail.ts';
import { OrgRun } from './org-run.ts';
import { serverMutationId } from './server-ids.ts';

export interface ExpiryRunDeps {
	hub: SyncHub;
	mailer: Mailer;
	now: () => number;
	/** The origin links in mail point to. */
	publicUrl: () => string;
	/** Shared by every server on the store: each organization's lock while its expiries are run. */
	limits: Limits;
	/** Each organization's next moment with something due, kept in the store: which organizations a run visits. */
	due: ExpiryDue;
}

/** Why the activity feed shows the server's own entries (the holder, or the primary admin, is their actor). */
const BY_EXPIRY = 'The expiry came due';
const BY_REMINDER = 'The expiry is 7 days away: the holder and the owners were mailed';

/**
 * rules §6: the server's run of expiring access. For each organization whose kept moment has
 * passed (expiry-due.ts: the others are not loaded), under its lock across servers, it finds the
 * rows carrying an expiry (a kept index: no scan of the members), records
 * and mails the reminder of those 7 days away, and applies those due, each as a mutation by the
 * holder (a team's assignment has none: by the primary admin, always a member and an owner)
 * through the same checks, whose id names the expiry: a restart or another server sending
 * it again gets the verdict already recorded, so each is applied once. One that cannot be applied
 * is marked blocked by its own mutation, and the owners are mailed.
 */
export class ExpiryRun extends OrgRun<ExpiryRunDeps> {
	constructor(deps: ExpiryRunDeps) {
		super('expiry', deps);
	}

	/** Visits each organization with something due once; resolves when what was due is applied and mailed. */
	run(): Promise<void> {
		return this.eachOrg(
			async (orgId) => {
				await this.runOrg(orgId);
				await this.deps.due.refresh(orgId);
			},
			() => this.deps.due.dueBy(this.deps.now())
		);
	}

	private async runOrg(orgId: string) {
		const state = await this.deps.hub.orgState(orgId);
		if (state?.org()?.status !== 'active') return;
		const now = this.deps.now();
		for (const target of expiryTargets(state)) {
			const expiry = expiryHolder(state, target)?.expiry;
			if (!expiry || expiry.blocked) continue;
			if (expiry.at <= now) await this.expire(orgId, state, target, expiry.at);
			else if (expiry.at - EXPIRY_REMINDER_MS <= now && expiry.remindedAt === undefined) await this.remind(orgId, state, target, expiry.at);
		}
	}

	private async expire(orgId: string, state: OrgState, target: ExpiryTarget, at: number) {
		const verdict = await this.send(state, { type: 'access.expire', orgId, target, at }, BY_EXPIRY);
		const after = await this.deps.hub.orgState(orgId);
		const holder = after && expiryHolder(after, target);
		if (!verdict.ok || !after || holder?.expiry?.at !== at || !holder.expiry.blocked) return;
		await this.mail(owners(after).map((to) => expiryBlockedMail(after, holder, to, this.deps.publicUrl())));
	}

	private async remind(orgId: string, state: OrgState, target: ExpiryTarget, at: number) {
		// Recorded first: a reminder is mailed at most once, whichever server runs it.
		const verdict = await this.send(state, { type: 'access.remindExpiry', orgId, target, at }, BY_REMINDER);
		// Mailed only when this run recorded it: a verdict answered again from the store recorded nothing.
		const holder = expiryHolder(state, target);
		if (!verdict.ok || holder?.expiry?.at !== at || holder.expiry.remindedAt === undefined) return;
		const origin = this.deps.publicUrl();
		const holderId = holderOf(holder);
		const holderEmail = holderId && state.member(holderId)?.email;
		const mails = [...new Set([...teamAddresses(state, holder), ...owners(state)])]
			.filter((to) => to !== holderEmail)
			.map((to) => expiryReminderMail(state, holder, to, false, origin));
		if (holderEmail) mails.unshift(expiryReminderMail(state, holder, holderEmail, true, origin));
		await this.mail(mails);
	}

	/** Sent as the holder (or the primary admin), under an id named by the expiry and its moment: applied once, whichever server sends it. */
	private send(
		state: OrgState,
		body: { type: 'access.expire' | 'access.remindExpiry'; orgId: string; target: ExpiryTarget; at: number },
		by: string
	) {
		const kind = body.type === 'access.expire' ? 'expire' : 'remind';
		return this.deps.hub.submitAndWait(
			sender(state, body.target),
			serverMutationId(kind, expiryKey(body.target), body.at),
			body,
			undefined,
			by
		);
	}

	private async mail(mails: Mail[]) {
		for (const mail of mails) await this.deps.mailer.send(mail).catch((err: unknown) => console.error('expiry mail failed', err));
	}
}

/** Who the server's change is sent as: the holder, or for a team's assignment the primary admin (a member and an owner). */
function sender(state: OrgState, target: ExpiryTarget): string {
	return 'userId' in target ? target.userId : (state.org()?.primaryAdminId ?? '');
}

/** The owners' addresses (a kept index). */
function owners(state: OrgState): string[] {
	return state.lookup('owners', '').flatMap((userId) => state.member(userId)?.email ?? []);
}
