import { Email, Username } from '../domain/index.ts';

export interface AddEntries {
	usernames: string[];
	emails: string[];
	/** Entries that are neither, shown back to the person typing. */
	bad: string[];
}

/**
 * "Several at once" (the seeds' "repeat for any additional users"): usernames and
 * email addresses separated by spaces, commas, semicolons or lines.
 */
export function parseAddEntries(text: string): AddEntries {
	const out: AddEntries = { usernames: [], emails: [], bad: [] };
	for (const entry of new Set(text.split(/[\s,;]+/).filter(Boolean))) {
		const email = entry.includes('@') ? Email.safeParse(entry) : undefined;
		const username = email ? undefined : Username.safeParse(entry);
		if (email?.success) out.emails.push(email.data);
		else if (username?.success) out.usernames.push(username.data);
		else out.bad.push(entry);
	}
	return out;
}

/** The sentence shown for entries that could not be read. */
export function badEntriesMessage(bad: readonly string[]): string {
	return bad.length ? `Not a username or an email address: ${bad.join(', ')}` : '';
}
