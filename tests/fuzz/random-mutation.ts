import { OrgRole } from '$lib/domain/index.ts';
import type { RosterModel } from './org-model.ts';
import type { Rng } from './rng.ts';

/** Organizations a run may create ('acme' is made at the start); 'nope' is never created. */
export const ORGS = ['acme', 'globex', 'initech'] as const;
export const ALL_ORGS = [...ORGS, 'nope'];
export const NAMES = ['ann', 'ben', 'cat', 'dan', 'eve'];
export const ROLES = OrgRole.options;
const TEAM_IDS = ['t1', 't2', 't3'];
const TEAM_NAMES = ['Red', ' red ', 'Blue', 'Green'];
const ORG_NAMES = ['Acme', ' Acme Two ', 'Ünïcode & Co', 'x'.repeat(64)];

/** A random mutation from `actorId`: mostly plausible, some refused by the rules, some malformed. */
export function randomMutation(rng: Rng, model: RosterModel, users: readonly { id: string; name: string }[], actorId: string): unknown {
	const mine = model.membershipsOf(actorId);
	const owned = model.ownedBy(actorId);
	// Mostly an organization the actor owns or is in, so that most mutations get past authorization.
	const orgId = rng.weighted([
		[owned.length ? rng.pick(owned) : 'acme', 50],
		[mine.length ? rng.pick(mine) : 'acme', 20],
		['acme', 14],
		[rng.pick(['globex', 'initech']), 10],
		['nope', 4],
		['bad org!', 2]
	] as const);
	const someUser = () => (rng.chance(0.05) ? 'ghost-user' : rng.pick(users).id);
	const someMember = () => {
		const ids = model.memberIds(orgId);
		return ids.length && rng.chance(0.8) ? rng.pick(ids) : someUser();
	};
	const someRole = () => (rng.chance(0.35) ? 'ORG_OWNER' : rng.pick(ROLES));
	const kind = rng.weighted([
		['add', 18],
		['setRole', 20],
		['remove', 10],
		['leave', 7],
		['transfer', 10],
		['rename', 8],
		['teamCreate', 5],
		['teamAdd', 6],
		['teamDelete', 3],
		['create', 4],
		['garbage', 7]
	] as const);
	switch (kind) {
		case 'add': {
			const outside = users.filter((u) => !model.isMember(orgId, u.id)).map((u) => u.name);
			const name = outside.length && rng.chance(0.7) ? rng.pick(outside) : rng.pick(NAMES);
			const username = rng.weighted([
				[name, 75],
				[name.toUpperCase(), 10],
				[` ${name} `, 5],
				['zed', 7],
				['x', 3]
			] as const);
			return { type: 'member.add', orgId, username, role: someRole() };
		}
		case 'setRole':
			return { type: 'member.setRole', orgId, userId: someMember(), role: rng.chance(0.03) ? 'ORG_GOD' : someRole() };
		case 'remove':
			return { type: 'member.remove', orgId, userId: someMember() };
		case 'leave':
			return { type: 'member.leave', orgId };
		case 'transfer':
			return { type: 'org.transferPrimaryAdmin', orgId, userId: someMember() };
		case 'rename': {
			const name = rng.chance(0.08) ? rng.pick(['   ', 'y'.repeat(65)]) : rng.pick(ORG_NAMES);
			// Extra fields are refused (INVALID_MUTATION), never applied.
			return rng.chance(0.1)
				? { type: 'org.rename', orgId, name, primaryAdminId: actorId, members: { [actorId]: { role: 'ORG_OWNER' } } }
				: { type: 'org.rename', orgId, name };
		}
		case 'teamCreate':
			return { type: 'team.create', orgId, teamId: rng.pick(TEAM_IDS), name: rng.pick(TEAM_NAMES) };
		case 'teamAdd':
			return { type: 'team.addMember', orgId, teamId: rng.pick(TEAM_IDS), userId: someMember() };
		case 'teamDelete':
			return { type: 'team.delete', orgId, teamId: rng.pick(TEAM_IDS) };
		case 'create': {
			const id = rng.pick(ORGS);
			return { type: 'org.create', orgId: id, name: id[0]!.toUpperCase() + id.slice(1) };
		}
		case 'garbage':
			return rng.pick<unknown>([
				{ type: 'org.delete', orgId },
				null,
				42,
				'member.add',
				{ type: 'member.add', orgId, username: 'x', role: 'ORG_MEMBER' },
				{ type: 'member.setRole', orgId, userId: someUser(), role: 'ORG_GOD' },
				{ type: 'member.remove', orgId },
				{ type: 'org.transferPrimaryAdmin', orgId, userId: 'not an id!' },
				{ type: 'project.create', orgId, projectId: 'p1' }
			]);
	}
}
