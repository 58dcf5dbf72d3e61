import {
	managedElsewhere,
	managedElsewhereActor,
	mayAct,
	mayView,
	securityGate,
	type HttpAct,
	type MutationType,
	type OrgState,
	type RouteView
} from '$lib/domain/index.ts';
import type { SyncHub } from '../hub.ts';
import type { HttpDeps, OrgDoc } from './deps.ts';
import type { OrgNeed } from './route.ts';
import { refused } from './status.ts';
import type { SignedIn } from './types.ts';

/** When this request's session last entered a two-factor code (the step-up of rules §4). */
async function context(deps: HttpDeps, me: SignedIn) {
	return { actorId: me.user.id, now: deps.now(), steppedUpAt: (await deps.accounts.session(me.hash))?.stepped_up_at ?? undefined };
}

/**
 * rules §4 on an HTTP route that writes through mutations, asked before any is written: the
 * domain's one gate, with the request's session's step-up. `state` is an organization `me` is a member of.
 */
export async function requireGate(deps: HttpDeps, me: SignedIn, state: OrgState, act: MutationType) {
	const refusal = securityGate(state.org()!, state.member(me.user.id)!, await context(deps, me), act);
	if (refusal) throw refused(refusal);
}

/** An organization `me` may read this of: its session timeouts first (enterOrg), then the domain's answer. */
async function viewOrg(deps: HttpDeps, me: SignedIn, orgId: string, view: RouteView) {
	await enterOrg(deps.hub, me, orgId);
	const state = await deps.hub.orgState(orgId);
	const refusal = mayView(state, me.user.id, view);
	if (refusal) throw refused(refusal);
	return state!;
}

/** An organization `me` may take this act on (role, required two-factor, step-up). */
async function actOnOrg(deps: HttpDeps, me: SignedIn, orgId: string, act: HttpAct) {
	await enterOrg(deps.hub, me, orgId);
	const state = await deps.hub.orgState(orgId);
	const refusal = mayAct(state, await context(deps, me), act);
	if (refusal) throw refused(refusal);
	return state!;
}

/** The organization a route's `org` names, once the domain answered yes to what the route needs of it. */
export function orgFor(deps: HttpDeps, me: SignedIn, orgId: string, need: OrgNeed): Promise<OrgDoc> {
	return 'view' in need ? viewOrg(deps, me, orgId, need.view) : actOnOrg(deps, me, orgId, need.act);
}

/**
 * An HTTP request about an organization is held to its session timeouts like a mutation, and
 * counts as activity there; a member managed by another organization reaches nothing of it.
 */
export async function enterOrg(hub: SyncHub, me: SignedIn, orgId: string) {
	const state = await hub.orgState(orgId);
	const org = state?.org();
	const refusal =
		org && managedElsewhere(org.id, state!.member(me.user.id))
			? managedElsewhereActor(org)
			: await hub.enterOrg(me.hash, me.user.id, orgId);
	if (refusal) throw refused(refusal);
}
