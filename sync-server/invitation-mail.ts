import type { InvitationNotice } from './sync/reactions.ts';
import type { Mail } from './mail.ts';

/** The invitation email: where to sign up with the invited address, and until when. */
export function invitationMail(n: InvitationNotice, origin: string): Mail {
	const to = n.projectName ? `project ${n.projectName} in ${n.orgName}` : n.orgName;
	const until = new Date(n.expiresAt).toISOString().slice(0, 10);
	return {
		orgId: n.orgId,
		to: n.email,
		subject: `${n.invitedBy} invited you to ${to} on Roster`,
		text: [
			`Hello,`,
			``,
			`${n.invitedBy} invited you to ${to} on Roster.`,
			``,
			`Create your account with this address (${n.email}) here:`,
			`${origin}/signup?email=${encodeURIComponent(n.email)}`,
			``,
			`Already have a Roster account with this address? Sign in; the invitation is accepted once the address is verified.`,
			``,
			`The invitation expires on ${until}.`
		].join('\n')
	};
}
