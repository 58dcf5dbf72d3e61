import { addToProject } from '../joining.ts';
import { refuse } from '../refusals.ts';
import { Id, ProjectName, ProjectRoles, Username } from '../schemas.ts';
import { accept } from '../verdict.ts';
import { defineMutation, roleList } from './define.ts';

const NOT_ASSIGNED = refuse('NOT_ASSIGNED', 'That user or team is not assigned to this project.');

/**
 * Projects and who is in them; authorization has already checked the actor's project roles.
 * Invitations to a project and requests to join it are in invitations.ts.
 */
export const PROJECT_MUTATIONS = [
	defineMutation('project.create', {
		fields: { projectId: Id, name: ProjectName },
		access: 'projects.create',
		sensitive: false,
		check: (state, ctx, m, { org }) => {
			if (state.project(m.projectId)?.project()) return refuse('PROJECT_EXISTS', 'A project with this id already exists.');
			return accept(
				{ kind: 'project.put', project: { id: m.projectId, orgId: org.id, name: m.name, status: 'active', createdAt: ctx.now } },
				{ kind: 'projectUser.put', projectId: m.projectId, userId: ctx.actorId, roles: ['PROJECT_OWNER'] }
			);
		},
		describe: (m) => `Create project “${m.name}”`
	}),

	defineMutation('project.addUser', {
		fields: { projectId: Id, username: Username, roles: ProjectRoles },
		access: 'project.manage',
		sensitive: true,
		check: (state, ctx, m) => {
			const user = state.userByUsername(m.username);
			if (!user) return refuse('USER_NOT_FOUND', `No Roster user is called “${m.username}”.`);
			return addToProject(state, ctx, m.projectId, user, m.roles);
		},
		describe: (m, names) => `Add ${m.username} to ${names.project(m.projectId)} as ${roleList(m.roles)}`
	}),

	defineMutation('project.addTeam', {
		fields: { projectId: Id, teamId: Id, roles: ProjectRoles },
		access: 'project.manage',
		sensitive: true,
		check: (state, _c, m) => {
			const team = state.team(m.teamId);
			if (!team) return refuse('TEAM_NOT_FOUND', 'That team does not exist in this organization.');
			if (state.project(m.projectId)?.teamRoles(team.id)) {
				return refuse('ALREADY_ASSIGNED', `Team ${team.name} is already in this project: edit its roles instead.`);
			}
			return accept({ kind: 'projectTeam.put', projectId: m.projectId, teamId: team.id, roles: m.roles });
		},
		describe: (m, names) => `Add team ${names.team(m.teamId)} to ${names.project(m.projectId)} as ${roleList(m.roles)}`
	}),

	defineMutation('project.setUserRoles', {
		fields: { projectId: Id, userId: Id, roles: ProjectRoles },
		access: 'project.manage',
		sensitive: true,
		check: (state, _c, m) => {
			if (!state.project(m.projectId)?.userRoles(m.userId)) return NOT_ASSIGNED;
			return accept({ kind: 'projectUser.put', projectId: m.projectId, userId: m.userId, roles: m.roles });
		},
		describe: (m, names) => `Make ${names.user(m.userId)} ${roleList(m.roles)} in ${names.project(m.projectId)}`
	}),

	defineMutation('project.setTeamRoles', {
		fields: { projectId: Id, teamId: Id, roles: ProjectRoles },
		access: 'project.manage',
		sensitive: true,
		check: (state, _c, m) => {
			if (!state.project(m.projectId)?.teamRoles(m.teamId)) return NOT_ASSIGNED;
			return accept({ kind: 'projectTeam.put', projectId: m.projectId, teamId: m.teamId, roles: m.roles });
		},
		describe: (m, names) => `Make team ${names.team(m.teamId)} ${roleList(m.roles)} in ${names.project(m.projectId)}`
	}),

	defineMutation('project.removeUser', {
		fields: { projectId: Id, userId: Id },
		access: 'project.manage',
		sensitive: true,
		check: (state, _c, m) => {
			if (!state.project(m.projectId)?.userRoles(m.userId)) return NOT_ASSIGNED;
			return accept({ kind: 'projectUser.delete', projectId: m.projectId, userId: m.userId });
		},
		describe: (m, names) => `Remove ${names.user(m.userId)} from ${names.project(m.projectId)}`
	}),

	defineMutation('project.removeTeam', {
		fields: { projectId: Id, teamId: Id },
		access: 'project.manage',
		sensitive: true,
		check: (state, _c, m) => {
			if (!state.project(m.projectId)?.teamRoles(m.teamId)) return NOT_ASSIGNED;
			return accept({ kind: 'projectTeam.delete', projectId: m.projectId, teamId: m.teamId });
		},
		describe: (m, names) => `Remove team ${names.team(m.teamId)} from ${names.project(m.projectId)}`
	}),

	defineMutation('project.close', {
		fields: { projectId: Id },
		access: 'project.manage',
		sensitive: true,
		check: (state, _c, m) => {
			const project = state.project(m.projectId)!.project()!;
			const active = state.project(m.projectId)!.activeDeploymentCount();
			if (active > 0) {
				return refuse(
					'PROJECT_HAS_DEPLOYMENTS',
					`Project ${project.name} has ${active} active deployment${active === 1 ? '' : 's'}: delete them before closing it.`
				);
			}
			return accept({ kind: 'project.put', project: { ...project, status: 'closed' } });
		},
		describe: (m, names) => `Close project ${names.project(m.projectId)}`
	})
] as const;
