import { expiryDay, ORG_ROLES, PROJECT_ROLES, type ExpiryHolder, type OrgState } from '$lib/domain/index.ts';
import type { Mail } from './mail.ts';

/** What ends, in words: "membership of Acme", "place in team Ops of Acme", "roles in project Billing of Acme". */
function what(state: OrgState, holder: ExpiryHolder): string {
	const org = state.org()?.name ?? 'the organization';
	if (holder.kind === 'member') return `membership of ${org}`;
	if (holder.kind === 'team') return `place in team ${state.team(holder.teamId)?.name ?? holder.teamId} of ${org}`;
	return `roles in project ${state.project(holder.projectId)?.project()?.name ?? holder.projectId} of ${org}`;
}

/** Roles expire, a membership or a place expires. */
const expires = (holder: ExpiryHolder) => (holder.kind === 'project' || holder.kind === 'projectTeam' ? 'expire' : 'expires');

/** The fall-back in words, after "then". */
function then(holder: ExpiryHolder): string {
	if (holder.kind === 'member' && holder.expiry?.then) return `, then ${ORG_ROLES[holder.expiry.then].label}`;
	if ((holder.kind === 'project' || holder.kind === 'projectTeam') && holder.expiry?.then) {
		return `, then ${holder.expiry.then.map((r) => PROJECT_ROLES[r].label).join(', ')}`;
	}
	return '';
}

/** Whose it is, starting a sentence: a username as it is ("bob's"), a team as "Team Ops's". */
function whose(state: OrgState, holder: ExpiryHolder): string {
	if (holder.kind === 'projectTeam') return `Team ${state.team(holder.teamId)?.name ?? holder.teamId}'s`;
	return `${state.member(holderOf(holder)!)?.username ?? 'someone'}'s`;
}

/** The page where an owner changes or clears it. */
function page(state: OrgState, holder: ExpiryHolder, origin: string): string {
	const org = `${origin}/orgs/${state.org()?.id ?? ''}`;
	return holder.kind === 'projectTeam' ? `${org}/projects/${holder.projectId}` : `${org}/members`;
}

/** rules §6: 7 days before, to the holder ("your …") and each owner ("alice's …"); a team's assignment's to its members and owners. */
export function expiryReminderMail(state: OrgState, holder: ExpiryHolder, to: string, toHolder: boolean, origin: string): Mail {
	const ends = `${toHolder ? 'Your' : whose(state, holder)} ${what(state, holder)} ${expires(holder)} on ${expiryDay(holder.expiry!.at)}`;
	return {
		orgId: state.org()?.id,
		to,
		subject: ends,
		text: [
			`Hello,`,
			``,
			`${ends}${then(holder)}.`,
			``,
			`An owner can change or clear the expiry on the organization's pages:`,
			page(state, holder, origin)
		].join('\n')
	};
}

/** rules §6: to each owner, when an expiry came due but could not be applied. */
export function expiryBlockedMail(state: OrgState, holder: ExpiryHolder, to: string, origin: string): Mail {
	const name = whose(state, holder);
	return {
		orgId: state.org()?.id,
		to,
		subject: `${name} ${what(state, holder)} did not expire`,
		text: [
			`Hello,`,
			``,
			`${name} ${what(state, holder)} was due to expire on ${expiryDay(holder.expiry!.at)}, but Roster left it as it is:`,
			holder.expiry?.blocked?.reason ?? '',
			``,
			`Settle it, then clear or set the expiry again:`,
			page(state, holder, origin)
		].join('\n')
	};
}

/** The user whose access it is; none for a team's assignment. */
export const holderOf = (holder: ExpiryHolder): string | undefined =>
	holder.kind === 'member' ? holder.member.userId : holder.kind === 'projectTeam' ? undefined : holder.userId;

/** The addresses reminded besides the holder: a team's members, for the team's assignment. */
export const teamAddresses = (state: OrgState, holder: ExpiryHolder): string[] =>
	holder.kind === 'projectTeam' ? state.lookup('teamMembers', holder.teamId).flatMap((userId) => state.member(userId)?.email ?? []) : [];
