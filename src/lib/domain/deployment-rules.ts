import { refuse } from './refusals.ts';
import { nameKey } from './text.ts';
import type { OrgState } from './state.ts';
import { accept, type Handler } from './verdict.ts';

type DeploymentType = 'deployment.create' | 'deployment.delete' | 'org.close';

/** Deployments in a project, and closing the organization, which they hold open (invariant 8). */
export const DEPLOYMENT_HANDLERS: { [T in DeploymentType]: Handler<T> } = {
	'deployment.create': (state, ctx, m) => {
		const project = state.project(m.projectId)!;
		if (project.deployment(m.deploymentId)) return refuse('DEPLOYMENT_EXISTS', 'A deployment with this id already exists.');
		// A project holds a handful of deployments: a scan of them is bounded by the project, not the organization.
		const key = nameKey(m.name);
		const clash = project.deployments().find((d) => d.status === 'active' && nameKey(d.name) === key);
		if (clash) return refuse('DEPLOYMENT_NAME_TAKEN', `Project ${project.project()!.name} already has a deployment called “${clash.name}”.`);
		const deployment = { id: m.deploymentId, name: m.name, plan: m.plan, status: 'active' as const, createdAt: ctx.now };
		return accept({ kind: 'deployment.put', projectId: m.projectId, deployment });
	},

	'deployment.delete': (state, ctx, m) => {
		const deployment = state.project(m.projectId)!.deployment(m.deploymentId);
		if (deployment?.status !== 'active') return refuse('DEPLOYMENT_NOT_FOUND', 'That deployment does not exist or is already deleted.');
		return accept({ kind: 'deployment.put', projectId: m.projectId, deployment: { ...deployment, status: 'deleted', deletedAt: ctx.now } });
	},

	'org.close': (state, ctx, _m, { org }) => {
		const open = firstWithDeployments(state);
		if (open) {
			return refuse('ORG_HAS_DEPLOYMENTS', `${org.name} cannot close while project ${open} has active deployments: delete them first.`);
		}
		// With an unpaid balance it waits, `closing`, for the billing run to issue its final invoice; otherwise it closes at once.
		if (state.billing().openInvoices().length) return accept({ kind: 'org.put', org: { ...org, status: 'closing', closingAt: ctx.now } });
		return accept({ kind: 'org.put', org: { ...org, status: 'closed' } });
	}
};

function firstWithDeployments(state: OrgState): string | undefined {
	const [projectId] = state.projectsWithDeployments();
	return projectId === undefined ? undefined : (state.project(projectId)?.project()?.name ?? 'one');
}
