import { expiryDay, ORG_ROLES, PROJECT_ROLES, type ExpiryHolder, type OrgState } from '$lib/domain/index.ts';
import type { Mail } from './mail.ts';

/** What ends, in words: "your membership of Acme", "your place in team Ops of Acme", "your roles in project Billing of Acme". */
function what(state: OrgState, holder: ExpiryHolder): string {
	const org = state.org()?.name ?? 'the organization';
	if (holder.kind === 'member') return `membership of ${org}`;
	if (holder.kind === 'team') return `place in team ${state.team(holder.teamId)?.name ?? holder.teamId} of ${org}`;
	return `roles in project ${state.project(holder.projectId)?.project()?.name ?? holder.projectId} of ${org}`;
}

/** The fall-back in words, after "then". */
function then(holder: ExpiryHolder): string {
	if (holder.kind === 'member' && holder.expiry?.then) return `, then ${ORG_ROLES[holder.expiry.then].label}`;
	if (holder.kind === 'project' && holder.expiry?.then) return `, then ${holder.expiry.then.map((r) => PROJECT_ROLES[r].label).join(', ')}`;
	return '';
}

const holderName = (state: OrgState, userId: string) => state.member(userId)?.username ?? 'someone';

/** rules §6: 7 days before, to the holder ("your …") and each owner ("alice's …"). */
export function expiryReminderMail(state: OrgState, holder: ExpiryHolder, to: string, toHolder: boolean, origin: string): Mail {
	const whose = toHolder ? 'Your' : `${holderName(state, holderOf(holder))}'s`;
	const day = expiryDay(holder.expiry!.at);
	return {
		orgId: state.org()?.id,
		to,
		subject: `${whose} ${what(state, holder)} expires on ${day}`,
		text: [
			`Hello,`,
			``,
			`${whose} ${what(state, holder)} expires on ${day}${then(holder)}.`,
			``,
			`An owner can change or clear the expiry on the organization's pages:`,
			`${origin}/orgs/${state.org()?.id ?? ''}/members`
		].join('\n')
	};
}

/** rules §6: to each owner, when an expiry came due but could not be applied. */
export function expiryBlockedMail(state: OrgState, holder: ExpiryHolder, to: string, origin: string): Mail {
	const name = holderName(state, holderOf(holder));
	return {
		orgId: state.org()?.id,
		to,
		subject: `${name}'s ${what(state, holder)} did not expire`,
		text: [
			`Hello,`,
			``,
			`${name}'s ${what(state, holder)} was due to expire on ${expiryDay(holder.expiry!.at)}, but Roster left it as it is:`,
			holder.expiry?.blocked?.reason ?? '',
			``,
			`Settle it, then clear or set the expiry again:`,
			`${origin}/orgs/${state.org()?.id ?? ''}/members`
		].join('\n')
	};
}

export const holderOf = (holder: ExpiryHolder) => (holder.kind === 'member' ? holder.member.userId : holder.userId);
