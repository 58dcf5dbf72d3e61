import { PLANS } from '../plans.ts';
import { refuse } from '../refusals.ts';
import { DeploymentName, Id, Plan } from '../schemas.ts';
import { nameKey } from '../text.ts';
import { accept } from '../verdict.ts';
import { defineMutation } from './define.ts';

/** Deployments in a project (they hold the organization open: see org.close). */
export const DEPLOYMENT_MUTATIONS = [
	defineMutation('deployment.create', {
		fields: { projectId: Id, deploymentId: Id, name: DeploymentName, plan: Plan },
		access: 'deployments.manage',
		sensitive: false,
		check: (state, ctx, m) => {
			const project = state.project(m.projectId)!;
			if (project.deployment(m.deploymentId)) return refuse('DEPLOYMENT_EXISTS', 'A deployment with this id already exists.');
			// A project holds a handful of deployments: a scan of them is bounded by the project, not the organization.
			const key = nameKey(m.name);
			const clash = project.deployments().find((d) => d.status === 'active' && nameKey(d.name) === key);
			if (clash)
				return refuse('DEPLOYMENT_NAME_TAKEN', `Project ${project.project()!.name} already has a deployment called “${clash.name}”.`);
			const deployment = { id: m.deploymentId, name: m.name, plan: m.plan, status: 'active' as const, createdAt: ctx.now };
			return accept({ kind: 'deployment.put', projectId: m.projectId, deployment });
		},
		describe: (m, names) => `Create ${PLANS[m.plan].label.toLowerCase()} deployment “${m.name}” in ${names.project(m.projectId)}`
	}),

	defineMutation('deployment.delete', {
		fields: { projectId: Id, deploymentId: Id },
		access: 'deployments.manage',
		sensitive: false,
		check: (state, ctx, m) => {
			const deployment = state.project(m.projectId)!.deployment(m.deploymentId);
			if (deployment?.status !== 'active') return refuse('DEPLOYMENT_NOT_FOUND', 'That deployment does not exist or is already deleted.');
			return accept({
				kind: 'deployment.put',
				projectId: m.projectId,
				deployment: { ...deployment, status: 'deleted', deletedAt: ctx.now }
			});
		},
		describe: (m, names) => `Delete a deployment of ${names.project(m.projectId)}`
	})
] as const;
