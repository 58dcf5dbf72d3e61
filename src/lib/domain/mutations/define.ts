import { z } from 'zod';
import { PROJECT_ROLES, type OrgAction, type PrimaryAdminAction, type ProjectAction } from '../roles.ts';
import { Id, type ProjectRole } from '../schemas.ts';
import type { CheckContext, OrgState } from '../state.ts';
import type { Scope, Verdict } from '../verdict.ts';

/**
 * Who may send a mutation: an org action of the actor's role, a primary-admin action, a
 * project action, any member ('member'), anyone signed in ('anyone'), or the user an
 * invitation names ('invitee').
 */
export type Access = OrgAction | PrimaryAdminAction | ProjectAction | 'member' | 'anyone' | 'invitee';

/** Access the mutation's own check answers: there is no member to authorize yet. */
export type Unscoped = 'anyone' | 'invitee';

/** What a description reads of the state: names by id (the outbox and the activity feed fill them in). */
export interface Names {
	user(userId: string): string;
	team(teamId: string): string;
	project(projectId: string): string;
	/** The invited address, if the invitation is still known. */
	invitation(inviteId: string, projectId?: string): string;
}

/** Every mutation names its organization; a client never sends a document patch. */
type Shape<T extends string, F extends z.ZodRawShape> = { type: z.ZodLiteral<T>; orgId: typeof Id } & F;
type Schema<T extends string, F extends z.ZodRawShape> = z.ZodObject<Shape<T, F>, z.core.$strict>;

/** What authorization hands the check: the organization and the acting member, or nothing for an unscoped mutation. */
export type ScopeOf<A extends Access> = A extends Unscoped ? undefined : Scope;

/** One mutation, written once: its schema, who may send it, whether it is sensitive, its check and its description. */
export interface MutationDef<T extends string, S extends z.ZodObject, A extends Access> {
	readonly type: T;
	/** Strict: a field the mutation does not name is refused, not ignored. */
	readonly schema: S;
	readonly access: A;
	/** rules §4: a user with two-factor on confirms a sensitive mutation with a fresh code. Required: nothing is sensitive by omission. */
	readonly sensitive: boolean;
	/** Why only the server sends it, on a user's behalf; a socket that sends one is refused with this reason. */
	readonly serverOnly?: string;
	/** The mutation's own rules: after authorization and the security gate, or alone for an unscoped one. */
	check(state: OrgState, ctx: CheckContext, m: z.output<S>, scope: ScopeOf<A>): Verdict;
	/** The mutation in words, for the outbox and the activity feed. */
	describe(m: z.output<S>, names: Names): string;
}

type Input<T extends string, F extends z.ZodRawShape, A extends Access> = Omit<MutationDef<T, Schema<T, F>, A>, 'type' | 'schema'> & {
	/** The fields besides `type` and `orgId`. */
	fields: F;
};

export function defineMutation<T extends string, F extends z.ZodRawShape, A extends Access>(
	type: T,
	{ fields, ...def }: Input<T, F, A>
): MutationDef<T, Schema<T, F>, A> {
	return { type, schema: z.strictObject({ type: z.literal(type), orgId: Id, ...fields }) as Schema<T, F>, ...def };
}

/** Project roles in words, for descriptions. */
export const roleList = (roles: readonly ProjectRole[]) => roles.map((r) => PROJECT_ROLES[r].label).join(', ');
