import { z } from 'zod';
import {
	Deployment,
	Id,
	Member,
	Organization,
	OrgInvitation,
	Project,
	ProjectInvitation,
	ProjectRole,
	Team,
	canReadProject,
	mayRead,
	mayView,
	NOT_A_MEMBER,
	projectRoleSources
} from '$lib/domain/index.ts';
import { ActivityAnswer, ActivityFilter, activityEntries } from './org-routes.ts';
import { json } from './io.ts';
import { refused } from './status.ts';
import type { ApiRequest } from './api-v1-route.ts';
import type { OrgDoc } from './deps.ts';

/**
 * rules §5: what a service account reads of its organization over the HTTP API: what a member of
 * its role reads in the console (mayRead, canReadProject, mayView), as JSON. Each answer's schema
 * is the OpenAPI document's.
 */

export const OrganizationAnswer = z.object({ organization: Organization });
export const MembersAnswer = z.object({ members: z.array(Member.extend({ teams: z.array(Id) })) });
export const TeamsAnswer = z.object({ teams: z.array(Team.extend({ members: z.array(Id) })) });
export const ProjectsAnswer = z.object({
	projects: z.array(
		Project.extend({
			users: z.array(z.object({ userId: Id, roles: z.array(ProjectRole) })),
			teams: z.array(z.object({ teamId: Id, roles: z.array(ProjectRole) })),
			/** Effective access: every member with a role in the project, and where each role comes from. */
			access: z.array(
				z.object({
					userId: Id,
					roles: z.array(ProjectRole),
					sources: z.array(
						z.object({ via: z.union([z.enum(['individual', 'organization']), z.object({ teamId: Id })]), roles: z.array(ProjectRole) })
					)
				})
			),
			deployments: z.array(Deployment)
		})
	)
});
export const InvitationsAnswer = z.object({
	invitations: z.array(OrgInvitation),
	projectInvitations: z.array(ProjectInvitation.extend({ projectId: Id }))
});
export { ActivityAnswer, ActivityFilter };

/** The organization's own document: every member reads it (a member managed elsewhere reads nothing). */
function orgDoc(r: ApiRequest<unknown, unknown>): OrgDoc {
	if (!mayRead(r.state, { doc: 'org' }, r.caller.user.id)) throw refused(NOT_A_MEMBER);
	return r.state;
}

export function readOrganization(r: ApiRequest<unknown, unknown>) {
	const answer: z.input<typeof OrganizationAnswer> = { organization: orgDoc(r).org()! };
	json(r.res, 200, answer);
}

export function readMembers(r: ApiRequest<unknown, unknown>) {
	const state = orgDoc(r);
	const answer: z.input<typeof MembersAnswer> = { members: state.members().map((m) => ({ ...m, teams: state.teamsOf(m.userId) })) };
	json(r.res, 200, answer);
}

export function readTeams(r: ApiRequest<unknown, unknown>) {
	const state = orgDoc(r);
	const answer: z.input<typeof TeamsAnswer> = { teams: state.teams().map((t) => ({ ...t, members: state.teamMemberIds(t.id) })) };
	json(r.res, 200, answer);
}

/** Projects the account may read (rules §2), each with its assignments and everyone's effective access (access.ts). */
export function readProjects(r: ApiRequest<unknown, unknown>) {
	const state = orgDoc(r);
	const me = r.caller.user.id;
	const projects: z.input<typeof ProjectsAnswer>['projects'] = [];
	for (const projectId of state.projectIds()) {
		const project = state.project(projectId)!;
		const row = project.project();
		if (!row || !canReadProject(state, projectId, me)) continue;
		const access = state.members().flatMap((m) => {
			const sources = projectRoleSources(state, projectId, m.userId);
			const roles = [...new Set(sources.flatMap((s) => s.roles))];
			return sources.length ? [{ userId: m.userId, roles, sources }] : [];
		});
		projects.push({ ...row, users: project.users(), teams: project.teams(), access, deployments: project.deployments() });
	}
	json(r.res, 200, { projects });
}

export function readInvitations(r: ApiRequest<unknown, unknown>) {
	const state = orgDoc(r);
	const me = r.caller.user.id;
	const answer: z.input<typeof InvitationsAnswer> = {
		invitations: state.invitations(),
		projectInvitations: state
			.projectIds()
			.filter((p) => canReadProject(state, p, me))
			.flatMap((projectId) =>
				state
					.project(projectId)!
					.invitations()
					.map((i) => ({ ...i, projectId }))
			)
	};
	json(r.res, 200, answer);
}

/** The activity feed as the console reads it (owners and read-only members), with the same filters and cursor. */
export async function readActivity(r: ApiRequest<undefined, z.infer<typeof ActivityFilter>>) {
	const refusal = mayView(r.state, r.caller.user.id, 'activity.read');
	if (refusal) throw refused(refusal);
	json(r.res, 200, await activityEntries(r.deps, r.params.orgId, r.query));
}
