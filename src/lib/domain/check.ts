import { authorize, unscoped } from './authorize.ts';
import { expiryAccess } from './expiry.ts';
import { guardManaged } from './managed-users.ts';
import { mutationDef, type Mutation } from './mutations/index.ts';
import { guardProjects } from './project-guard.ts';
import { securityGate } from './security.ts';
import { guardServiceAccounts } from './service-accounts.ts';
import type { CheckContext, OrgState } from './state.ts';
import type { Verdict } from './verdict.ts';

/**
 * The one rule engine: (state, actor, mutation) → accepted changes | refusal. Pure; reads only what it names.
 * Authorization, the security gate, the mutation's own check, then the invariants every path keeps.
 */
export function checkMutation(state: OrgState, ctx: CheckContext, mutation: Mutation): Verdict {
	const verdict = checkRules(state, ctx, mutation);
	if (!verdict.ok) return verdict;
	return (
		guardManaged(state, ctx.actorId, verdict.changes) ?? guardServiceAccounts(state, ctx.actorId, mutation.type, verdict.changes) ?? verdict
	);
}

/** The mutation's verdict, then invariants 4 and 5 over its changes: on every path, the unscoped ones (sso.apply, invite.accept) too. */
function checkRules(state: OrgState, ctx: CheckContext, mutation: Mutation): Verdict {
	const verdict = ownVerdict(state, ctx, mutation);
	return verdict.ok ? (guardProjects(state, verdict.changes) ?? verdict) : verdict;
}

function ownVerdict(state: OrgState, ctx: CheckContext, mutation: Mutation): Verdict {
	const def = mutationDef(mutation.type);
	const type = mutation.type;
	if (unscoped(type)) return def.check(state, ctx, mutation, undefined);
	// rules §6: an expiry is set by whoever may make its change by hand.
	const as =
		type === 'access.setExpiry'
			? expiryAccess(mutation.target)
			: { type, projectId: 'projectId' in mutation ? mutation.projectId : undefined };
	const scope = authorize(state, ctx, as.type, as.projectId);
	if (!('org' in scope)) return scope;
	const gate = securityGate(scope.org, scope.actor, ctx, type);
	if (gate) return gate;
	return def.check(state, ctx, mutation, scope);
}
