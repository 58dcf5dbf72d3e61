import * as Y from 'yjs';
import {
	OrgDocState,
	OverlayState,
	effectiveProjectRoles,
	checkMutation,
	mayAttempt,
	invitationStatus,
	type InvitationStatus,
	type Member,
	type OrgRole,
	type MutationType,
	type OrgState,
	type ProjectRole,
	type UserProfile,
	type Organization,
	type Refusal
} from '../domain/index.ts';
import type { OutboxEntry } from './db.ts';
import type { Names } from './describe.ts';
import type { Replica } from './replicas.ts';

export interface MemberRow extends Member {
	/** A pending change touches this member: shown as pending until the server answers. */
	pending: boolean;
	/** Pending removal: still listed, struck through. */
	leaving: boolean;
	primaryAdmin: boolean;
}

export interface InvitationRow {
	id: string;
	email: string;
	role: OrgRole;
	/** Names of the teams the invitee joins on acceptance (deleted teams left out), and their ids. */
	teams: string[];
	teamIds: string[];
	status: InvitationStatus;
	expiresAt: number;
	/** Sent or cancelled by a change not yet saved. */
	pending: boolean;
	cancelling: boolean;
}

export interface OrgView {
	org: Organization | undefined;
	rows: MemberRow[];
	/** Pending and expired invitations to the organization, oldest first: listed with the members. */
	invitations: InvitationRow[];
	me: Member | undefined;
	/** Teams with their member ids, pending changes included. */
	teams: { id: string; name: string; memberIds: string[]; invited: { id: string; email: string }[]; pending: boolean }[];
	/** Projects this replica can read, pending ones included, with the user's effective roles. */
	projects: { id: string; name: string; status: 'active' | 'closed'; pending: boolean; myRoles: ProjectRole[] }[];
	state: OverlayState;
	/** Pending entries the same rules would refuse: shown as likely refused until the server answers. */
	doubtful: Map<string, Refusal>;
	may: (type: MutationType) => boolean;
}

/** An organization not yet synced: nothing but the signed-in user, until pending changes (its creation) say otherwise. */
const nothing = (me: UserProfile): OrgState =>
	new OrgDocState(new Y.Doc(), { user: (id) => (id === me.id ? me : undefined), userByUsername: () => undefined, usersByEmail: () => [] });

/** Synced state with this organization's pending mutations on top, checked by the same domain code. Costs O(pending). */
export function pendingOverlay(replica: Replica | undefined, orgId: string, outbox: readonly OutboxEntry[], me: UserProfile) {
	const actorId = me.id;
	const overlay = new OverlayState(replica?.state ?? nothing(me));
	const doubtful = new Map<string, Refusal>();
	for (const entry of outbox) {
		if (entry.orgId !== orgId || entry.status !== 'pending') continue;
		// The step-up was asked before the entry was queued (RosterSession.submit); whether it still holds is the server's to say.
		const verdict = checkMutation(overlay, { actorId, now: entry.createdAt, steppedUpAt: entry.createdAt }, entry.mutation);
		if (verdict.ok) overlay.apply(verdict.changes);
		else doubtful.set(entry.id, verdict);
	}
	return { overlay, doubtful };
}

/** The members page: every member row, marked where a pending change touches it. */
export function orgView(replica: Replica | undefined, orgId: string, outbox: readonly OutboxEntry[], me: UserProfile): OrgView {
	const actorId = me.id;
	const base = replica?.state;
	const { overlay, doubtful } = pendingOverlay(replica, orgId, outbox, me);
	const rows: MemberRow[] = [];
	const org = overlay.org();
	const decorate = (m: Member, pending: boolean, leaving: boolean): MemberRow => ({
		...m,
		pending,
		leaving,
		primaryAdmin: org?.primaryAdminId === m.userId
	});
	for (const m of base?.members() ?? []) {
		if (!overlay.pending('member').has(m.userId)) rows.push(decorate(m, false, false));
	}
	for (const [userId, m] of overlay.pending('member')) {
		const was = base?.member(userId);
		if (m) rows.push(decorate(m, true, false));
		else if (was) rows.push(decorate(was, true, true));
	}
	// Usernames are lowercase ASCII: a plain comparison orders them, much faster than localeCompare on 10,000 rows.
	rows.sort((a, b) => (a.username < b.username ? -1 : 1));
	const invitations = invitationRows(base, overlay);
	const teamIds = new Set([...(base?.teams() ?? []).map((t) => t.id), ...overlay.pending('team').keys()]);
	const teams = [...teamIds]
		.flatMap((id) => {
			const team = overlay.team(id);
			if (!team) return [];
			const invited = invitations.filter((i) => !i.cancelling && i.teamIds.includes(id)).map(({ id, email }) => ({ id, email }));
			return [{ id, name: team.name, memberIds: overlay.teamMemberIds(id), invited, pending: overlay.pending('team').has(id) }];
		})
		.sort((a, b) => a.name.localeCompare(b.name));
	const projectIds = new Set([...(base?.projectIds() ?? []), ...overlay.pendingProjects('project')]);
	const projects = [...projectIds]
		.flatMap((id) => {
			const p = overlay.project(id)?.project();
			if (!p) return [];
			const myRoles = effectiveProjectRoles(overlay, id, actorId);
			return [{ id, name: p.name, status: p.status, pending: overlay.pending('project', id).size > 0, myRoles }];
		})
		.sort((a, b) => a.name.localeCompare(b.name));
	return {
		org,
		rows,
		invitations,
		teams,
		projects,
		state: overlay,
		me: overlay.member(actorId),
		doubtful,
		may: (type) => mayAttempt(overlay, actorId, type)
	};
}

/** Organization invitations as pending changes leave them; cancelled ones stay listed, struck through, until saved. */
function invitationRows(base: OrgDocState | undefined, overlay: OverlayState): InvitationRow[] {
	const now = Date.now();
	const all = new Map((base?.invitations() ?? []).map((i) => [i.id, i]));
	for (const [id, i] of overlay.pending('invitation')) if (i) all.set(id, i);
	return [...all.values()]
		.map((i) => ({
			id: i.id,
			email: i.email,
			role: i.role,
			teams: i.teams.flatMap((t) => overlay.team(t)?.name ?? []),
			teamIds: i.teams.filter((t) => overlay.team(t)),
			status: invitationStatus(i, now),
			expiresAt: i.expiresAt,
			pending: overlay.pending('invitation').has(i.id),
			cancelling: overlay.pending('invitation').get(i.id) === null
		}))
		.sort((a, b) => a.expiresAt - b.expiresAt);
}

/** Names for describing mutations, from what the view knows. */
export function viewNames(view: OrgView | undefined): Names {
	return {
		user: (userId) => view?.rows.find((r) => r.userId === userId)?.username ?? 'a former member',
		team: (teamId) => view?.teams.find((t) => t.id === teamId)?.name ?? 'a deleted team',
		project: (projectId) => view?.projects.find((p) => p.id === projectId)?.name ?? 'a project',
		invitation: (inviteId, projectId) =>
			(projectId === undefined ? view?.state.invitation(inviteId) : view?.state.project(projectId)?.invitation(inviteId))?.email ??
			'an invitee'
	};
}
