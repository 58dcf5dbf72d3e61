import { getContext, setContext } from 'svelte';
import { SvelteMap } from 'svelte/reactivity';
import type * as Y from 'yjs';
import {
	checkManagedUser,
	checkMutation,
	mayAttempt,
	mayRead,
	mayView,
	orgMaps,
	type Member,
	type Mutation,
	type MutationType,
	type OverlayState,
	type Organization,
	type ReadTarget,
	type Refusal,
	type RouteView,
	type UserProfile
} from '../domain/index.ts';
import { parseDocId } from '../protocol/messages.ts';
import type { OutboxEntry } from './db.ts';
import type { Names } from './describe.ts';
import { MemberRows, type MemberRow, type ShownMember } from './member-rows.svelte.ts';
import { invitationRows, pendingOverlay, projectRows, teamRows } from './org-view.ts';
import type { Outbox } from './outbox.svelte.ts';
import type { Replica, Replicas } from './replicas.ts';
import type { RosterSession } from './roster.svelte.ts';

/** What a model needs of the session: who is signed in, the documents and the queue of pending changes. */
export interface SessionParts {
	readonly user: UserProfile;
	readonly replicas: Replicas;
	readonly outbox: Outbox;
}

/** The parts of an organization a view may depend on; `any` changes with every one of them. */
type Table =
	| 'any'
	| 'org'
	| 'members'
	| 'teams'
	| 'teamMembers'
	| 'invitations'
	| 'contacts'
	| 'serviceAccounts'
	| 'projects'
	| 'billing'
	| `project:${string}`;

/** A change counter per table: a view reads the tables it shows and runs again only when one of them changes. */
class Clocks {
	private readonly ticks = new SvelteMap<Table, number>();
	read(...tables: Table[]) {
		for (const t of tables) this.ticks.get(t);
	}
	bump(...tables: Table[]) {
		for (const t of [...tables, 'any' as const]) this.ticks.set(t, (this.ticks.get(t) ?? 0) + 1);
	}
}

/**
 * One organization as its pages show it, built once per visit (routes/orgs/[orgId]/+layout.svelte):
 * synced documents with this organization's pending changes on top. It follows the documents
 * change by change (Yjs says which keys changed): a changed member updates its own row, and
 * the other lists run again only when a table they read changes.
 */
export class OrgModel {
	readonly orgId: string;
	readonly rows = new MemberRows();
	/** Synced state under pending changes; replaced when the pending changes or what they were checked against change. */
	overlay = $state.raw() as OverlayState;
	/** Pending entries the same rules would refuse: shown as likely refused until the server answers. */
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- replaced whole, never changed in place
	doubtful = $state.raw<ReadonlyMap<string, Refusal>>(new Map());
	org = $state.raw<Organization | undefined>();
	me = $state.raw<Member | undefined>();
	/** This organization's changes not yet saved or refused. */
	readonly entries: OutboxEntry[];
	readonly invitations = $derived.by(() => {
		this.clocks.read('invitations', 'teams');
		return invitationRows(this.replica?.state, this.overlay);
	});
	readonly teams = $derived.by(() => {
		this.clocks.read('teams', 'teamMembers');
		return teamRows(this.replica?.state, this.overlay, this.invitations);
	});
	readonly projects = $derived.by(() => {
		this.clocks.read('projects', 'teams', 'teamMembers');
		void this.me;
		return projectRows(this.replica?.state, this.overlay, this.user.id);
	});
	private readonly session: SessionParts;
	private readonly clocks = new Clocks();
	private replica: Replica | undefined;
	private unobserve = () => {};
	private readonly stops: (() => void)[];

	constructor(session: SessionParts, orgId: string) {
		this.session = session;
		this.orgId = orgId;
		this.entries = $derived(session.outbox.entries.filter((e) => e.orgId === orgId));
		this.stops = [session.replicas.listen((docId) => this.onDoc(docId)), session.outbox.listen(() => this.onOutbox())];
		this.attach(session.replicas.get(orgId));
	}

	dispose() {
		this.unobserve();
		for (const stop of this.stops) stop();
	}

	private get user() {
		return this.session.user;
	}

	/** The state for reading any part of the organization (small pages): runs again on every change. */
	get state(): OverlayState {
		return this.tracked('any');
	}

	/** The state, for a view that reads only these tables. */
	tracked(...tables: Table[]): OverlayState {
		this.clocks.read(...tables);
		return this.overlay;
	}

	/** rules §5: the organization's service accounts (metadata; roles are their member rows), oldest first. */
	get serviceAccounts() {
		return [...this.tracked('serviceAccounts', 'members').rows('serviceAccount').values()].sort((a, b) => a.createdAt - b.createdAt);
	}

	get billing() {
		return this.tracked('billing').billing();
	}

	/** Whether the user may attempt this change at all (the domain's rule; the server checks again). */
	may(type: MutationType): boolean {
		void this.me;
		void this.org;
		return mayAttempt(this.overlay, this.user.id, type);
	}

	/**
	 * The refusal this change would meet against what this browser holds (synced state and pending
	 * changes), or undefined: a form shows it at the field before anything is sent. The server checks
	 * again; what only it knows (e.g. whether a username exists) it answers through RosterSession.ask.
	 */
	precheck(mutation: Mutation): Refusal | undefined {
		void this.me;
		void this.org;
		const now = Date.now();
		const verdict = checkMutation(this.overlay, { actorId: this.user.id, now, steppedUpAt: now }, mutation);
		return verdict.ok ? undefined : verdict;
	}

	/** Whether the user may read this document of the organization (the domain's read rule). */
	mayRead(target: ReadTarget): boolean {
		void this.me;
		void this.org;
		return mayRead(this.overlay, target, this.user.id);
	}

	/** Whether the user may use this route about the organization (the domain's route rule). */
	mayUse(route: RouteView): boolean {
		void this.me;
		void this.org;
		return !mayView(this.overlay, this.user.id, route);
	}

	/** Whether the user may manage this member's profile (a user this organization manages). */
	manages(row: MemberRow): boolean {
		void this.org;
		void this.me;
		return row.managedBy === this.orgId && 'userId' in checkManagedUser(this.overlay, this.user.id, row.userId);
	}

	/** Names for describing mutations, from what the model knows. */
	readonly names: Names = {
		user: (userId) => {
			this.clocks.read('members');
			void this.overlay;
			return this.rows.get(userId)?.username ?? 'a former member';
		},
		team: (teamId) => this.tracked('teams').team(teamId)?.name ?? 'a deleted team',
		project: (projectId) => this.tracked('projects').project(projectId)?.project()?.name ?? 'a project',
		invitation: (inviteId, projectId) => {
			const state = this.tracked('invitations', 'projects');
			return (projectId === undefined ? state.invitation(inviteId) : state.project(projectId)?.invitation(inviteId))?.email ?? 'an invitee';
		}
	};

	/** Follows a new replica (first sync) or none (dropped): everything is rebuilt once. */
	private attach(replica: Replica | undefined) {
		this.unobserve();
		this.replica = replica;
		this.unobserve = replica ? this.observe(replica.state.doc) : () => {};
		this.recheck();
		this.changed(this.allMemberIds(), [
			'org',
			'members',
			'teams',
			'teamMembers',
			'invitations',
			'contacts',
			'serviceAccounts',
			'projects',
			'billing'
		]);
	}

	private allMemberIds(): string[] {
		return [...(this.replica?.state.members() ?? []).map((m) => m.userId), ...this.rows.list.map((r) => r.userId)];
	}

	private observe(doc: Y.Doc) {
		const maps = orgMaps(doc);
		const watch = <T>(map: Y.Map<T>, table: Table) => {
			const fn = (event: Y.YMapEvent<T>) => this.baseChanged(table === 'members' ? event.keysChanged : [], [table]);
			map.observe(fn);
			return () => map.unobserve(fn);
		};
		const stops = [
			watch(maps.meta, 'org'),
			watch(maps.members, 'members'),
			watch(maps.teams, 'teams'),
			watch(maps.teamMembers, 'teamMembers'),
			watch(maps.invitations, 'invitations'),
			watch(maps.contacts, 'contacts'),
			watch(maps.serviceAccounts, 'serviceAccounts')
		];
		return () => stops.forEach((stop) => stop());
	}

	/** A project or billing document changed, or the replica came or went (the organization document's own maps are observed). */
	private onDoc(docId: string) {
		const parsed = parseDocId(docId);
		if (parsed?.orgId !== this.orgId) return;
		const replica = this.session.replicas.get(this.orgId);
		if (replica !== this.replica) return this.attach(replica);
		if (parsed.billing) this.baseChanged([], ['billing']);
		else if (parsed.projectId !== undefined) this.baseChanged([], ['projects', `project:${parsed.projectId}`]);
	}

	private onOutbox() {
		const before = [...this.overlay.pending('member').keys()];
		this.recheck();
		this.changed(before, []);
	}

	/** The synced state changed: pending changes are checked again only if there are any. */
	private baseChanged(memberIds: Iterable<string>, tables: Table[]) {
		const ids = [...memberIds];
		if (this.entries.some((e) => e.status === 'pending')) {
			ids.push(...this.overlay.pending('member').keys());
			this.recheck();
		}
		this.changed(ids, tables);
	}

	/** Lays this organization's pending changes over the synced state again: O(pending). */
	private recheck() {
		const { overlay, doubtful } = pendingOverlay(this.replica, this.orgId, this.session.outbox.entries, this.user);
		this.overlay = overlay;
		this.doubtful = doubtful;
	}

	/** Shows what changed: these members' rows (and whoever pending changes touch), and these tables' views. */
	private changed(memberIds: string[], tables: Table[]) {
		const ids = [...memberIds, ...this.overlay.pending('member').keys()];
		const org = this.overlay.org();
		if (org?.primaryAdminId !== this.org?.primaryAdminId) ids.push(...[org, this.org].flatMap((o) => (o ? [o.primaryAdminId] : [])));
		this.org = org;
		this.me = this.overlay.member(this.user.id) ?? undefined;
		// A user may be named twice (changed and touched): showing a row twice shows it the same.
		this.rows.update(ids.map((id) => [id, this.shown(id)] as const));
		this.clocks.bump(...tables);
	}

	private shown(userId: string): ShownMember | undefined {
		const base = this.replica?.state.member(userId);
		const primaryAdmin = this.org?.primaryAdminId === userId;
		if (!this.overlay.pending('member').has(userId)) return base && { member: base, pending: false, leaving: false, primaryAdmin };
		const now = this.overlay.pending('member').get(userId);
		if (now) return { member: now, pending: true, leaving: false, primaryAdmin };
		return base && { member: base, pending: true, leaving: true, primaryAdmin };
	}
}

/** What every organization page reads: the session (to submit changes), the organization's model and its id. */
export interface OrgPage {
	readonly session: RosterSession;
	readonly view: OrgModel;
	readonly orgId: string;
}

const ORG_KEY = Symbol('org');

export function provideOrg(org: OrgPage) {
	setContext(ORG_KEY, org);
}

export function useOrg(): OrgPage {
	return getContext<OrgPage>(ORG_KEY);
}
