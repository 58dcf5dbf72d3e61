const KEY = 'roster.invited';

/**
 * That an account was created from an invitation mail's link, kept until its address is verified,
 * so the organization list can say an invitation waits. Only the address is kept: what the
 * invitation is to is not taken from the link, which anyone can write (the server says it once
 * the address is verified and the invitation accepted).
 */
export function rememberInvitation(email: string) {
	localStorage.setItem(KEY, email.trim().toLowerCase());
}

export function invitationWaits(email: string): boolean {
	return localStorage.getItem(KEY) === email.trim().toLowerCase();
}
