import { z } from 'zod';
import { issueSentences } from '../issue-words.ts';
import { refuse, type Refusal } from '../refusals.ts';
import type { CheckContext, OrgState } from '../state.ts';
import { unknownFields } from '../text.ts';
import type { Scope, Verdict } from '../verdict.ts';
import { BILLING_MUTATIONS } from './billing.ts';
import type { Access, Names, Unscoped } from './define.ts';
import { DEPLOYMENT_MUTATIONS } from './deployments.ts';
import { EXPIRY_MUTATIONS } from './expiry.ts';
import { INVITATION_MUTATIONS } from './invitations.ts';
import { MEMBER_MUTATIONS } from './members.ts';
import { ORG_MUTATIONS } from './org.ts';
import { PROJECT_MUTATIONS } from './projects.ts';
import { PROVISIONING_MUTATIONS } from './provisioning.ts';
import { SERVICE_ACCOUNT_MUTATIONS } from './service-accounts.ts';
import { SSO_MUTATIONS } from './sso.ts';
import { TEAM_MUTATIONS } from './teams.ts';

/** Every mutation Roster knows, each defined once in the file of its entity; all else here is derived. */
const DEFINITIONS = [
	...ORG_MUTATIONS,
	...MEMBER_MUTATIONS,
	...TEAM_MUTATIONS,
	...PROJECT_MUTATIONS,
	...DEPLOYMENT_MUTATIONS,
	...BILLING_MUTATIONS,
	...INVITATION_MUTATIONS,
	...SERVICE_ACCOUNT_MUTATIONS,
	...SSO_MUTATIONS,
	...PROVISIONING_MUTATIONS,
	...EXPIRY_MUTATIONS
] as const;

type Definition = (typeof DEFINITIONS)[number];
type SchemasOf<T extends readonly unknown[]> = { -readonly [I in keyof T]: T[I] extends { schema: infer S } ? S : never };

/** Typed intents; a client never sends a document patch. Each is strict: a field it does not name is refused, not ignored. */
export const Mutation = z.discriminatedUnion('type', DEFINITIONS.map((d) => d.schema) as SchemasOf<typeof DEFINITIONS>);
export type Mutation = z.infer<typeof Mutation>;
export type MutationType = Mutation['type'];
export type MutationOf<T extends MutationType> = Extract<Mutation, { type: T }>;

/** The registry by type: every mutation type, each under its own name. */
type Registry = { [T in MutationType]: Extract<Definition, { type: T }> };
export const MUTATIONS = Object.fromEntries(DEFINITIONS.map((d) => [d.type, d])) as Registry;

export const MUTATION_TYPES: MutationType[] = DEFINITIONS.map((d) => d.type);

/** Mutations whose own check answers who may (see Unscoped): there is no member to authorize first. */
type UnscopedType = { [T in MutationType]: Registry[T]['access'] extends Unscoped ? T : never }[MutationType];
/** Mutations sent by a member of the organization, authorized before their check. */
export type ScopedType = Exclude<MutationType, UnscopedType>;

/** The registry as the engine uses it: any mutation in, a verdict out. */
export interface AnyMutationDef {
	readonly type: MutationType;
	readonly access: Access;
	readonly sensitive: boolean;
	readonly serverOnly?: string;
	check(state: OrgState, ctx: CheckContext, m: Mutation, scope: Scope | undefined): Verdict;
	describe(m: Mutation, names: Names): string;
}

export function mutationDef(type: MutationType): AnyMutationDef {
	return MUTATIONS[type];
}

const fromDefinitions = <V>(value: (d: AnyMutationDef) => V) =>
	Object.fromEntries(DEFINITIONS.map((d: AnyMutationDef) => [d.type, value(d)])) as Record<MutationType, V>;

/** Who may send each mutation (see Access). */
export const MUTATION_ACCESS: Record<MutationType, Access> = fromDefinitions((d) => d.access);

/** rules §4's sensitive mutations: a user with two-factor on confirms them with a fresh code. */
export const SENSITIVE_MUTATIONS: ReadonlySet<MutationType> = new Set(DEFINITIONS.filter((d) => d.sensitive).map((d) => d.type));

/**
 * Mutations only the server sends on a user's behalf, with why: a card is added through
 * an HTTP route that checks its number and keeps only brand, last 4 digits and expiry,
 * so the number reaches no outbox, document or log; a managed user is created and
 * deleted with its account row.
 */
export const SERVER_ONLY: Partial<Record<MutationType, string>> = Object.fromEntries(
	DEFINITIONS.flatMap((d: AnyMutationDef) => (d.serverOnly ? [[d.type, d.serverOnly]] : []))
);

/** A socket that sends a server-only mutation is refused with the reason, before anything else is read of it. */
export function serverOnlyRefusal(input: unknown): Refusal | undefined {
	const type = (input as { type?: unknown } | null)?.type;
	const reason = typeof type === 'string' && Object.hasOwn(SERVER_ONLY, type) ? SERVER_ONLY[type as MutationType] : undefined;
	return reason === undefined ? undefined : refuse('FORBIDDEN', reason);
}

/** A mutation in words, for the outbox and the activity feed. */
export function describeMutation(m: Mutation, names: Names): string {
	return mutationDef(m.type).describe(m, names);
}

/** Turns untrusted input (a network frame, a form) into a mutation or a refusal; never throws. */
export function parseMutation(input: unknown): { ok: true; mutation: Mutation } | Refusal {
	const result = Mutation.safeParse(input);
	if (result.success) return { ok: true, mutation: result.data };
	if (!input || typeof input !== 'object' || Array.isArray(input)) {
		return refuse('UNKNOWN_MUTATION', 'A change is an object with a `type`, its organization and its fields.');
	}
	const type = (input as { type?: unknown }).type;
	if (typeof type !== 'string') return refuse('UNKNOWN_MUTATION', 'A change needs a `type` naming what it does, such as "member.setRole".');
	if (!Object.hasOwn(MUTATIONS, type)) return refuse('UNKNOWN_MUTATION', `“${type.slice(0, 40)}” is not a change Roster knows.`);
	const unknown = unknownFields(result.error);
	if (unknown) return refuse('INVALID_MUTATION', `${unknown} in ${type}.`);
	return refuse('INVALID_MUTATION', issueSentences(result.error));
}

export type { Access, Names } from './define.ts';
export { webhookShown } from './org.ts';
