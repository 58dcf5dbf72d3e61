/** Why an organization left this user's list: they left it, or someone else took their access away. */
export interface Departure {
	name: string;
	why: 'left' | 'removed';
	at: number;
}

const key = (userId: string) => `roster.departed.${userId}`;
const JUST_NOW_MS = 60_000;

/**
 * Organizations this user lost access to, remembered (name and why) so that the page they were on
 * and the organization list can say what happened rather than "not available". Kept per user in
 * this browser and forgotten at sign-out, as the local copy of the organizations is.
 */
export class Departures {
	all = $state<Record<string, Departure>>({});
	private readonly userId: string;

	constructor(userId: string) {
		this.userId = userId;
		try {
			// Whatever else is stored there (another version's, "null") counts as nothing kept.
			const kept: unknown = JSON.parse(localStorage.getItem(key(userId)) ?? '{}');
			this.all = kept && typeof kept === 'object' && !Array.isArray(kept) ? (kept as Record<string, Departure>) : {};
		} catch {
			this.all = {};
		}
	}

	get(orgId: string): Departure | undefined {
		return this.all[orgId];
	}

	/**
	 * Leaving is answered after or before the access it takes away (whichever the server sends
	 * first): a departure the user just made is not overwritten by the loss of access that follows.
	 */
	note(orgId: string, name: string | undefined, why: Departure['why']) {
		const known = this.all[orgId];
		if (why === 'removed' && known?.why === 'left' && Date.now() - known.at < JUST_NOW_MS) return;
		const shown = name ?? known?.name;
		if (shown) this.save({ ...this.all, [orgId]: { name: shown, why, at: Date.now() } });
	}

	dismiss(orgId: string) {
		const { [orgId]: _gone, ...rest } = this.all;
		this.save(rest);
	}

	private save(all: Record<string, Departure>) {
		this.all = all;
		localStorage.setItem(key(this.userId), JSON.stringify(all));
	}
}

export function forgetDepartures(userId: string) {
	localStorage.removeItem(key(userId));
}
