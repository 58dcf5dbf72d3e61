const KEY = 'roster.invitedTo';

/**
 * What an invitation mail's link names ("Acme Data", "project Apollo in Acme Data"), kept from
 * sign-up until the address is verified, so the organization list can say an invitation waits.
 * Kept with the invited address: it is shown only to the account created with it.
 */
export function rememberInvitation(email: string, to: string) {
	if (to) localStorage.setItem(KEY, JSON.stringify({ email: email.trim().toLowerCase(), to: to.slice(0, 200) }));
}

export function invitedTo(email: string): string | undefined {
	try {
		const kept = JSON.parse(localStorage.getItem(KEY) ?? 'null') as { email: string; to: string } | null;
		return kept && kept.email === email.trim().toLowerCase() ? kept.to : undefined;
	} catch {
		return undefined;
	}
}
