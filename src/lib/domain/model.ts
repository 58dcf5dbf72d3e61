import * as Y from 'yjs';
import { z } from 'zod';
import { BillingInfo, Card, Invoice } from './billing-schemas.ts';
import {
	ContactKind,
	Deployment,
	Email,
	Id,
	JoinRequest,
	Member,
	OrgInvitation,
	Organization,
	Project,
	ProjectInvitation,
	ProjectRole,
	Team,
	TeamExpiry,
	AssignmentExpiry
} from './schemas.ts';
import { ServiceAccount } from './service-account-schemas.ts';

/**
 * The replicated model, declared once: each table lives in one kind of document (the
 * organization's, one per project, the billing one), as one Y.Map of key → row. A table
 * names the changes that write it; each change says which row (key, and project for a
 * project table) it sets or removes (row null). The Change type, applying changes, the
 * indexes (doc-indexes.ts) and the client's pending overlay (overlay.ts) all follow from this.
 */

export const TeamMembership = z.object({ teamId: Id, userId: Id, expiry: TeamExpiry.optional() });
export type TeamMembership = z.infer<typeof TeamMembership>;
export const UserAssignment = z.object({ userId: Id, roles: z.array(ProjectRole), expiry: AssignmentExpiry.optional() });
export type UserAssignment = z.infer<typeof UserAssignment>;
export const TeamAssignment = z.object({ teamId: Id, roles: z.array(ProjectRole), expiry: AssignmentExpiry.optional() });
export type TeamAssignment = z.infer<typeof TeamAssignment>;

export type DocKind = 'org' | 'project' | 'billing';

/** The row a change writes: its key, its project ('' outside project documents), and the row (null: removed). */
export interface Cell<R> {
	key: string;
	project: string;
	row: R | null;
}

const put = <R>(key: string, row: R, project = ''): Cell<R> => ({ key, project, row });
const remove = (key: string, project = ''): Cell<never> => ({ key, project, row: null });

function table<
	const D extends DocKind,
	const M extends string,
	S extends z.ZodType,
	C extends Record<string, (change: never) => Cell<z.infer<S>>>
>(t: { doc: D; map: M; row: S; changes: C }) {
	return t;
}

export const teamMemberKey = (teamId: string, userId: string) => `${teamId}/${userId}`;

export const MODEL = {
	/** meta: 'org' → the organization. */
	org: table({ doc: 'org', map: 'meta', row: Organization, changes: { 'org.put': (c: { org: Organization }) => put('org', c.org) } }),
	/** userId → Member. */
	member: table({
		doc: 'org',
		map: 'members',
		row: Member,
		changes: {
			'member.put': (c: { member: Member }) => put(c.member.userId, c.member),
			'member.delete': (c: { userId: string }) => remove(c.userId)
		}
	}),
	/** teamId → Team. */
	team: table({
		doc: 'org',
		map: 'teams',
		row: Team,
		changes: { 'team.put': (c: { team: Team }) => put(c.team.id, c.team), 'team.delete': (c: { teamId: string }) => remove(c.teamId) }
	}),
	/** "teamId/userId" → TeamMembership. */
	teamMember: table({
		doc: 'org',
		map: 'teamMembers',
		row: TeamMembership,
		changes: {
			// Without `expiry` the membership is put without one (rules §6).
			'teamMember.put': (c: { teamId: string; userId: string; expiry?: TeamExpiry }) =>
				put(teamMemberKey(c.teamId, c.userId), { teamId: c.teamId, userId: c.userId, ...(c.expiry && { expiry: c.expiry }) }),
			'teamMember.delete': (c: { teamId: string; userId: string }) => remove(teamMemberKey(c.teamId, c.userId))
		}
	}),
	/** inviteId → OrgInvitation. */
	invitation: table({
		doc: 'org',
		map: 'invitations',
		row: OrgInvitation,
		changes: {
			'invitation.put': (c: { invitation: OrgInvitation }) => put(c.invitation.id, c.invitation),
			'invitation.delete': (c: { inviteId: string }) => remove(c.inviteId)
		}
	}),
	/** Contact kind → email (unset: the primary admin's). */
	contact: table({
		doc: 'org',
		map: 'contacts',
		row: Email,
		changes: {
			'contact.put': (c: { contact: ContactKind; email: string | null }) => (c.email === null ? remove(c.contact) : put(c.contact, c.email))
		}
	}),
	/** userId → ServiceAccount (rules §5): description and secrets' metadata; the account's role is its member row. */
	serviceAccount: table({
		doc: 'org',
		map: 'serviceAccounts',
		row: ServiceAccount,
		changes: {
			'serviceAccount.put': (c: { account: ServiceAccount }) => put(c.account.userId, c.account),
			'serviceAccount.delete': (c: { userId: string }) => remove(c.userId)
		}
	}),
	/** meta: 'project' → the project (its document is named by the project's id). */
	project: table({
		doc: 'project',
		map: 'meta',
		row: Project,
		changes: { 'project.put': (c: { project: Project }) => put('project', c.project, c.project.id) }
	}),
	/** userId → the user's own roles in the project. */
	projectUser: table({
		doc: 'project',
		map: 'users',
		row: UserAssignment,
		changes: {
			// Without `expiry` the assignment is put without one: new roles replace it, expiry and all (rules §6).
			'projectUser.put': (c: { projectId: string; userId: string; roles: ProjectRole[]; expiry?: AssignmentExpiry }) =>
				put(c.userId, { userId: c.userId, roles: c.roles, ...(c.expiry && { expiry: c.expiry }) }, c.projectId),
			'projectUser.delete': (c: { projectId: string; userId: string }) => remove(c.userId, c.projectId)
		}
	}),
	/** teamId → the team's roles in the project. */
	projectTeam: table({
		doc: 'project',
		map: 'teams',
		row: TeamAssignment,
		changes: {
			// As for a user: new roles put without `expiry` replace it (rules §6).
			'projectTeam.put': (c: { projectId: string; teamId: string; roles: ProjectRole[]; expiry?: AssignmentExpiry }) =>
				put(c.teamId, { teamId: c.teamId, roles: c.roles, ...(c.expiry && { expiry: c.expiry }) }, c.projectId),
			'projectTeam.delete': (c: { projectId: string; teamId: string }) => remove(c.teamId, c.projectId)
		}
	}),
	/** userId → the user's request to join. */
	joinRequest: table({
		doc: 'project',
		map: 'requests',
		row: JoinRequest,
		changes: {
			'joinRequest.put': (c: { projectId: string; request: JoinRequest }) => put(c.request.userId, c.request, c.projectId),
			'joinRequest.delete': (c: { projectId: string; userId: string }) => remove(c.userId, c.projectId)
		}
	}),
	/** inviteId → ProjectInvitation. */
	projectInvitation: table({
		doc: 'project',
		map: 'invitations',
		row: ProjectInvitation,
		changes: {
			'projectInvitation.put': (c: { projectId: string; invitation: ProjectInvitation }) => put(c.invitation.id, c.invitation, c.projectId),
			'projectInvitation.delete': (c: { projectId: string; inviteId: string }) => remove(c.inviteId, c.projectId)
		}
	}),
	/** deploymentId → Deployment; a deleted one stays, for invoicing its active days. */
	deployment: table({
		doc: 'project',
		map: 'deployments',
		row: Deployment,
		changes: { 'deployment.put': (c: { projectId: string; deployment: Deployment }) => put(c.deployment.id, c.deployment, c.projectId) }
	}),
	/** info: 'info' → billing email and organization info (rules §2: billing is read by owners, billing roles and read-only members only). */
	billing: table({
		doc: 'billing',
		map: 'info',
		row: BillingInfo,
		changes: { 'billing.put': (c: { info: BillingInfo }) => put('info', c.info) }
	}),
	/** cardId → Card. */
	card: table({
		doc: 'billing',
		map: 'cards',
		row: Card,
		changes: { 'card.put': (c: { card: Card }) => put(c.card.id, c.card), 'card.delete': (c: { cardId: string }) => remove(c.cardId) }
	}),
	/** defaults: 'cardId' → the default card's id (invariant 7: set whenever a card exists). */
	defaultCard: table({
		doc: 'billing',
		map: 'defaults',
		row: Id,
		changes: { 'card.default': (c: { cardId: string | null }) => (c.cardId === null ? remove('cardId') : put('cardId', c.cardId)) }
	}),
	/** invoiceId → Invoice, written by the server's billing run only. */
	invoice: table({
		doc: 'billing',
		map: 'invoices',
		row: Invoice,
		changes: { 'invoice.put': (c: { invoice: Invoice }) => put(c.invoice.id, c.invoice) }
	})
};

type Model = typeof MODEL;
export type TableName = keyof Model;
export type Row<T extends TableName> = z.infer<Model[T]['row']>;
export const TABLES = Object.keys(MODEL) as TableName[];

type Flat<T> = { [K in keyof T]: T[K] };
type ChangesOf<C> = { [K in keyof C & string]: C[K] extends (change: infer P) => unknown ? Flat<{ kind: K } & P> : never }[keyof C &
	string];

/** An accepted mutation's effect, applied the same way to the documents (server and replicas) or an overlay (client). */
export type Change = { [T in TableName]: ChangesOf<Model[T]['changes']> }[TableName];

/** A change located: its table and the row it writes. */
export type Write = { [T in TableName]: Cell<Row<T>> & { table: T } }[TableName];

const WRITERS = new Map<string, { table: TableName; write: (change: Change) => Cell<unknown> }>(
	TABLES.flatMap((name) =>
		Object.entries(MODEL[name].changes).map(([kind, write]) => [kind, { table: name, write: write as (change: Change) => Cell<unknown> }])
	)
);

/** Where a change writes; every kind of Change is some table's (the type is derived from MODEL). */
export function locate(change: Change): Write {
	const writer = WRITERS.get(change.kind)!;
	return { table: writer.table, ...writer.write(change) } as Write;
}

/** A table's map in a document of its kind. */
export function docMap<T extends TableName>(doc: Y.Doc, name: T): Y.Map<Row<T>> {
	return doc.getMap<Row<T>>(MODEL[name].map);
}

/** Writes located changes into one document, in one transaction. */
export function writeDoc(doc: Y.Doc, writes: readonly Write[], origin: unknown): void {
	doc.transact(() => {
		for (const w of writes) {
			const map = docMap(doc, w.table);
			if (w.row === null) map.delete(w.key);
			else map.set(w.key, w.row);
		}
	}, origin);
}

type MapsOf<D extends DocKind> = { [T in TableName as Model[T]['doc'] extends D ? Model[T]['map'] : never]: Y.Map<Row<T>> };

function mapsOf<D extends DocKind>(kind: D, doc: Y.Doc): MapsOf<D> {
	return Object.fromEntries(TABLES.filter((t) => MODEL[t].doc === kind).map((t) => [MODEL[t].map, docMap(doc, t)])) as unknown as MapsOf<D>;
}

/** A document's maps by name, for reading a raw document (tests, fuzz). */
export const orgMaps = (doc: Y.Doc) => mapsOf('org', doc);
export const projectMaps = (doc: Y.Doc) => mapsOf('project', doc);
export const billingMaps = (doc: Y.Doc) => mapsOf('billing', doc);
