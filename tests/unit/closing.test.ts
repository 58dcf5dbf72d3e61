import { describe, expect, it } from 'vitest';
import { OverlayState, checkMutation } from '../../src/lib/domain/index.ts';
import {
	assertInvariants,
	expectAccepted,
	expectRefused,
	id,
	membersOf,
	NOW,
	ORG_ID,
	orgWith,
	projectId,
	type Fixture
} from './factories.ts';

const APOLLO = projectId('Apollo');
const GEMINI = projectId('Gemini');

/** ann: primary admin; bob: owner; cam: cluster manager of Apollo; rex: read-only in Apollo; rita: ORG_READ_ONLY assigned as owner. */
function org(): Fixture {
	return orgWith({
		primaryAdmin: 'ann',
		members: membersOf({ ann: 'ORG_OWNER', bob: 'ORG_OWNER', cam: 'ORG_MEMBER', rex: 'ORG_MEMBER', rita: 'ORG_READ_ONLY' }),
		projects: [
			{
				name: 'Apollo',
				users: [
					['ann', ['PROJECT_OWNER']],
					['cam', ['PROJECT_CLUSTER_MANAGER']],
					['rex', ['PROJECT_READ_ONLY']],
					['rita', ['PROJECT_OWNER']]
				]
			},
			{ name: 'Gemini', users: [['ann', ['PROJECT_OWNER']]] }
		]
	});
}

const create = (deploymentId: string, name: string, projectId = APOLLO) =>
	({ type: 'deployment.create', projectId, deploymentId, name, plan: 'shared' }) as const;
const remove = (deploymentId: string, projectId = APOLLO) => ({ type: 'deployment.delete', projectId, deploymentId }) as const;

describe('deployments', () => {
	it('project owners and cluster managers create and delete them; a deleted one stays, dated', () => {
		const fx = org();
		expectAccepted(fx.run('cam', create('d-1', 'orders')));
		expect(fx.state.project(APOLLO)!.deployment('d-1')).toEqual({
			id: 'd-1',
			name: 'orders',
			plan: 'shared',
			status: 'active',
			createdAt: NOW
		});
		expectRefused(fx.check('ann', create('d-2', ' ORDERS ')), 'DEPLOYMENT_NAME_TAKEN');
		expectRefused(fx.check('ann', create('d-1', 'other')), 'DEPLOYMENT_EXISTS');
		expectAccepted(fx.run('ann', remove('d-1')));
		expect(fx.state.project(APOLLO)!.deployment('d-1')).toMatchObject({ status: 'deleted', deletedAt: NOW });
		expectRefused(fx.check('ann', remove('d-1')), 'DEPLOYMENT_NOT_FOUND');
		// The name is free again once its deployment is deleted.
		expectAccepted(fx.run('cam', create('d-2', 'orders')));
		expect(fx.state.project(APOLLO)!.activeDeploymentCount()).toBe(1);
	});

	it('a read-only project role, an ORG_READ_ONLY member and a member outside the project may not', () => {
		const fx = org();
		expectRefused(fx.check('rex', create('d-1', 'x')), 'FORBIDDEN');
		expectRefused(fx.check('rita', create('d-1', 'x')), 'FORBIDDEN');
		expectRefused(fx.check('cam', create('d-1', 'x', GEMINI)), 'FORBIDDEN');
	});
});

describe('closing (invariant 8)', () => {
	it('a project with active deployments cannot close until they are deleted', () => {
		const fx = org();
		expectAccepted(fx.run('cam', create('d-1', 'orders')));
		const verdict = fx.check('ann', { type: 'project.close', projectId: APOLLO });
		expectRefused(verdict, 'PROJECT_HAS_DEPLOYMENTS');
		expect(verdict.ok || verdict.message).toContain('Apollo has 1 active deployment');
		expectAccepted(fx.run('cam', remove('d-1')));
		expectAccepted(fx.run('ann', { type: 'project.close', projectId: APOLLO }));
	});

	it('only the primary admin closes the organization, refused while any project has an active deployment', () => {
		const fx = org();
		expectAccepted(fx.run('ann', create('d-g', 'search', GEMINI)));
		expectRefused(fx.check('bob', { type: 'org.close' }), 'FORBIDDEN');
		const verdict = fx.check('ann', { type: 'org.close' });
		expectRefused(verdict, 'ORG_HAS_DEPLOYMENTS');
		expect(verdict.ok || verdict.message).toContain('project Gemini has active deployments');
		expectAccepted(fx.run('ann', remove('d-g', GEMINI)));
		expect(fx.state.projectsWithDeployments()).toEqual([]);
		expectAccepted(fx.run('ann', { type: 'org.close' }));
		expect(fx.state.org()!.status).toBe('closed');
		// Read-only from now on, for everyone.
		expectRefused(fx.check('ann', { type: 'org.rename', name: 'Again' }), 'ORG_CLOSED');
		expectRefused(fx.check('cam', create('d-3', 'late')), 'ORG_CLOSED');
		assertInvariants(fx.state);
	});

	it('pending deployment changes count in the overlay', () => {
		const fx = org();
		expectAccepted(fx.run('ann', create('d-1', 'orders')));
		const overlay = new OverlayState(fx.state);
		const ctx = { actorId: id('ann'), now: NOW };
		const del = checkMutation(overlay, ctx, { ...remove('d-1'), orgId: ORG_ID });
		expectAccepted(del);
		overlay.apply(del.changes);
		expect(overlay.projectsWithDeployments()).toEqual([]);
		expect(overlay.project(APOLLO)!.activeDeploymentCount()).toBe(0);
		expectAccepted(checkMutation(overlay, ctx, { type: 'org.close', orgId: ORG_ID }));
		const add = checkMutation(overlay, ctx, { ...create('d-2', 'more', GEMINI), orgId: ORG_ID });
		expectAccepted(add);
		overlay.apply(add.changes);
		expect(overlay.projectsWithDeployments()).toEqual([GEMINI]);
		expect(
			overlay
				.project(GEMINI)!
				.deployments()
				.map((d) => d.name)
		).toEqual(['more']);
		expectRefused(checkMutation(overlay, ctx, { type: 'org.close', orgId: ORG_ID }), 'ORG_HAS_DEPLOYMENTS');
	});
});
