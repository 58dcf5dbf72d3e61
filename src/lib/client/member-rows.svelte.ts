import type { Member } from '../domain/index.ts';

/** What a member's row shows: the member as synced or as pending changes leave it. */
export interface ShownMember {
	member: Member;
	/** A pending change touches this member: shown as pending until the server answers. */
	pending: boolean;
	/** Pending removal: still listed, struck through. */
	leaving: boolean;
	primaryAdmin: boolean;
}

/** One member's row; its fields change in place, so only its own cells redraw. */
export class MemberRow {
	readonly userId: string;
	member = $state.raw() as Member;
	pending = $state(false);
	leaving = $state(false);
	primaryAdmin = $state(false);

	constructor(shown: ShownMember) {
		this.userId = shown.member.userId;
		this.show(shown);
	}

	show(shown: ShownMember) {
		this.member = shown.member;
		this.pending = shown.pending;
		this.leaving = shown.leaving;
		this.primaryAdmin = shown.primaryAdmin;
	}

	get username() {
		return this.member.username;
	}
	get displayName() {
		return this.member.displayName;
	}
	get email() {
		return this.member.email;
	}
	get emailVerified() {
		return this.member.emailVerified;
	}
	get role() {
		return this.member.role;
	}
	get managedBy() {
		return this.member.managedBy;
	}
	get twoFactor() {
		return this.member.twoFactor;
	}
}

// Usernames are lowercase ASCII: a plain comparison orders them, much faster than localeCompare on 10,000 rows.
const before = (a: Member, b: Member) => (a.username === b.username ? a.userId < b.userId : a.username < b.username);

/** Beyond this many changes at once (a first sync), sorting all rows again is cheaper than placing each. */
const BULK = 64;

/**
 * The members page's rows, ordered by username, kept up to date change by change: a changed
 * member updates its row in place, and the list itself changes only when a row comes, goes
 * or moves (a new username).
 */
export class MemberRows {
	/** Sorted by username; replaced only when a row comes, goes or moves. */
	list = $state.raw<MemberRow[]>([]);
	// Not reactive: pages read the list and each row's own state.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	private readonly byId = new Map<string, MemberRow>();

	get(userId: string): MemberRow | undefined {
		return this.byId.get(userId);
	}

	/** Shows each given user as `shown` says (undefined: no row). */
	update(changes: Iterable<readonly [string, ShownMember | undefined]>) {
		const all = [...changes];
		if (all.length > BULK) return this.bulk(all);
		let list = this.list;
		const copy = () => (list === this.list ? (list = [...list]) : list);
		for (const [userId, shown] of all) {
			const row = this.byId.get(userId);
			if (row && shown && row.member.username === shown.member.username) {
				row.show(shown);
				continue;
			}
			if (row) copy().splice(this.indexOf(list, row.member), 1);
			if (!shown) {
				this.byId.delete(userId);
				continue;
			}
			// The same row object moves, so its keyed cells are kept.
			const moved = row ?? new MemberRow(shown);
			moved.show(shown);
			this.byId.set(userId, moved);
			copy().splice(this.indexOf(list, shown.member), 0, moved);
		}
		if (list !== this.list) this.list = list;
	}

	private bulk(changes: (readonly [string, ShownMember | undefined])[]) {
		for (const [userId, shown] of changes) {
			const row = this.byId.get(userId);
			if (!shown) this.byId.delete(userId);
			else if (row) row.show(shown);
			else this.byId.set(userId, new MemberRow(shown));
		}
		this.list = [...this.byId.values()].sort((a, b) => (before(a.member, b.member) ? -1 : 1));
	}

	/** Where `member` is or would go: the first row not before it. */
	private indexOf(list: readonly MemberRow[], member: Member) {
		let lo = 0;
		let hi = list.length;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (before(list[mid]!.member, member)) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}
}
