import * as Y from 'yjs';
import {
	OrgDocState,
	OverlayState,
	effectiveProjectRoles,
	checkMutation,
	invitationStatus,
	type InvitationStatus,
	type OrgRole,
	type OrgState,
	type ProjectRole,
	type UserProfile,
	type Refusal
} from '../domain/index.ts';
import type { OutboxEntry } from './db.ts';
import type { Replica, Replicas } from './replicas.ts';

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

/** A team with its member ids, pending changes included. */
export interface TeamRow {
	id: string;
	name: string;
	memberIds: string[];
	invited: { id: string; email: string }[];
	pending: boolean;
}

/** A project this replica can read, pending ones included, with the user's effective roles. */
export interface ProjectRow {
	id: string;
	name: string;
	status: 'active' | 'closed';
	pending: boolean;
	myRoles: ProjectRole[];
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

/** Organization invitations as pending changes leave them, oldest first; cancelled ones stay listed, struck through, until saved. */
export function invitationRows(base: OrgDocState | undefined, overlay: OverlayState): InvitationRow[] {
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

/** Teams by name, with their members and the invitations that would join them. */
export function teamRows(base: OrgDocState | undefined, overlay: OverlayState, invitations: readonly InvitationRow[]): TeamRow[] {
	const teamIds = new Set([...(base?.teams() ?? []).map((t) => t.id), ...overlay.pending('team').keys()]);
	return [...teamIds]
		.flatMap((id) => {
			const team = overlay.team(id);
			if (!team) return [];
			const invited = invitations.filter((i) => !i.cancelling && i.teamIds.includes(id)).map(({ id, email }) => ({ id, email }));
			return [{ id, name: team.name, memberIds: overlay.teamMemberIds(id), invited, pending: overlay.pending('team').has(id) }];
		})
		.sort((a, b) => a.name.localeCompare(b.name));
}

/** Projects by name, each with the actor's effective roles in it. */
export function projectRows(base: OrgDocState | undefined, overlay: OverlayState, actorId: string): ProjectRow[] {
	const projectIds = new Set([...(base?.projectIds() ?? []), ...overlay.pendingProjects('project')]);
	return [...projectIds]
		.flatMap((id) => {
			const p = overlay.project(id)?.project();
			if (!p) return [];
			const myRoles = effectiveProjectRoles(overlay, id, actorId);
			return [{ id, name: p.name, status: p.status, pending: overlay.pending('project', id).size > 0, myRoles }];
		})
		.sort((a, b) => a.name.localeCompare(b.name));
}

/** Organizations a user can see, by name: synced ones plus ones it created offline. O(organizations × their pending changes). */
export function visibleOrgs(replicas: Replicas, outbox: readonly OutboxEntry[], user: UserProfile) {
	const synced = replicas.all().map((r) => r.orgId);
	const created = outbox.filter((e) => e.mutation.type === 'org.create' && e.status === 'pending' && !synced.includes(e.orgId));
	return [...synced, ...created.map((e) => e.orgId)]
		.flatMap((id) => {
			const replica = replicas.get(id);
			const { overlay } = pendingOverlay(replica, id, outbox, user);
			const org = overlay.org();
			if (!org || org.status === 'closed' || !overlay.member(user.id)) return [];
			return [{ id, name: org.name, pending: !replica?.state.org(), closing: org.status === 'closing' }];
		})
		.sort((a, b) => a.name.localeCompare(b.name));
}
