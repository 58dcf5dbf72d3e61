import { orgClosed, refuse, type Refusal } from './refusals.ts';
import { memberMay, type OrgAction, type PrimaryAdminAction } from './roles.ts';
import { securityGate, type HttpAct } from './security.ts';
import type { CheckContext, OrgState } from './state.ts';

/**
 * What members read or do to an organization over HTTP beside mutations: the action of the
 * role table each needs, and the sentence when refused (the same for a missing organization,
 * so ids reveal nothing, invariant 10).
 */
const ROUTE_ACCESS = {
	/** A preview shows what the member may read of the organization (preview.ts previewReadBy). */
	preview: { needs: 'org.view', refused: 'Only members of this organization may preview changes to it.' },
	'activity.read': { needs: 'activity.view', refused: 'Only organization owners and read-only members may read the activity feed.' },
	'history.read': { needs: 'history.view', refused: "Only organization owners and read-only members may read the organization's history." },
	'org.export': { needs: 'org.export', refused: "Only the organization's owners may download its data." },
	'webhook.read': { needs: 'org.notifications', refused: "Only the organization's primary admin may see how its webhook deliveries went." },
	'mailLog.read': { needs: 'mailLog.view', refused: "Only the organization's primary admin may read its mail log." },
	'invoice.resend': { needs: 'billing.view', refused: "Only members who may view this organization's billing may send its invoices." },
	'invoice.pay': { needs: 'billing.manage', refused: 'Only organization owners and billing admins may pay invoices.' }
} as const satisfies Record<string, { needs: OrgAction | PrimaryAdminAction; refused: string }>;

export type RouteAct = keyof typeof ROUTE_ACCESS;
/** Routes that only read: no two-factor gate, no step-up. */
export type RouteView = Exclude<RouteAct, HttpAct>;

/** Whether the actor's role (or being the primary admin) allows this route at all. */
function allowed(state: OrgState | undefined, actorId: string, act: RouteAct): Refusal | undefined {
	const org = state?.org();
	const member = state?.member(actorId);
	const { needs, refused } = ROUTE_ACCESS[act];
	return org && member && memberMay(member.role, org.primaryAdminId === actorId, needs) ? undefined : refuse('FORBIDDEN', refused);
}

/** Why the actor may not read this of the organization, if it may not. */
export function mayView(state: OrgState | undefined, actorId: string, view: RouteView): Refusal | undefined {
	return allowed(state, actorId, view);
}

/**
 * Why the actor may not take this act on the organization, if it may not: its role, then the
 * one security gate (required two-factor, step-up for a sensitive act, rules §4); a charge is a
 * change, which a closed organization no longer takes.
 */
export function mayAct(state: OrgState | undefined, ctx: CheckContext, act: HttpAct): Refusal | undefined {
	const refusal = allowed(state, ctx.actorId, act);
	if (refusal) return refusal;
	const org = state!.org()!;
	return (
		securityGate(org, state!.member(ctx.actorId)!, ctx, act) ??
		(act === 'invoice.pay' && org.status === 'closed' ? orgClosed(org.name) : undefined)
	);
}
