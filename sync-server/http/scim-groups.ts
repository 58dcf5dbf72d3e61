import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Team } from '$lib/domain/index.ts';
import { scimBody, submit, type ScimRequest, type ScimRoute } from './scim-request.ts';
import {
	PatchOp,
	ScimError,
	ScimGroupInput,
	groupResource,
	listResponse,
	parseFilter,
	scimJson,
	type PatchOperation
} from './scim-wire.ts';

/** SCIM Groups (docs/scim.md): a group is a team; its members are the team's members (members of the organization only, invariant 3). */

const noGroup = () => new ScimError(404, 'No team of this organization has that id.');

function team(r: ScimRequest): Team {
	const found = r.id === undefined ? undefined : r.state.team(r.id);
	if (!found) throw noGroup();
	return found;
}

async function answer(r: ScimRequest, status: number, teamId: string) {
	const state = (await r.deps.hub.orgState(r.orgId))!;
	const found = state.team(teamId);
	if (!found) throw noGroup();
	const members = state.teamMemberIds(teamId).flatMap((id) => state.member(id) ?? []);
	scimJson(r.res, status, groupResource(r.base, found, members));
}

/** Brings the team's members to `want` (user ids), one mutation a person added or removed, through the hub. */
async function setMembers(r: ScimRequest, teamId: string, add: readonly string[], drop: readonly string[]) {
	const state = (await r.deps.hub.orgState(r.orgId))!;
	for (const userId of new Set(add)) {
		if (!state.isTeamMember(teamId, userId)) await submit(r, randomUUID(), { type: 'team.addMember', orgId: r.orgId, teamId, userId });
	}
	for (const userId of new Set(drop)) {
		if (state.isTeamMember(teamId, userId)) await submit(r, randomUUID(), { type: 'team.removeMember', orgId: r.orgId, teamId, userId });
	}
}

async function list(r: ScimRequest) {
	const filter = parseFilter(r.url.searchParams.get('filter'), ['displayName', 'externalId']);
	const teams = r.state
		.teams()
		.filter((t) => !filter || (filter.attribute === 'displayName' && t.name.toLowerCase() === filter.value.trim().toLowerCase()));
	const resources = teams.map((t) =>
		groupResource(
			r.base,
			t,
			r.state.teamMemberIds(t.id).flatMap((id) => r.state.member(id) ?? [])
		)
	);
	scimJson(r.res, 200, listResponse(resources, r.url.searchParams));
}

async function create(r: ScimRequest) {
	const body = await scimBody(r.req, ScimGroupInput);
	const teamId = randomUUID();
	await submit(r, `group-${teamId}`, { type: 'team.create', orgId: r.orgId, teamId, name: body.displayName });
	await setMembers(
		r,
		teamId,
		(body.members ?? []).map((m) => m.value),
		[]
	);
	await answer(r, 201, teamId);
}

async function replace(r: ScimRequest) {
	const current = team(r);
	const body = await scimBody(r.req, ScimGroupInput);
	if (body.displayName.trim() !== current.name)
		await submit(r, randomUUID(), { type: 'team.rename', orgId: r.orgId, teamId: current.id, name: body.displayName });
	const want = (body.members ?? []).map((m) => m.value);
	await setMembers(
		r,
		current.id,
		want,
		r.state.teamMemberIds(current.id).filter((id) => !want.includes(id))
	);
	await answer(r, 200, current.id);
}

const Refs = z.array(z.looseObject({ value: z.string().max(64) })).max(1000);

function refs(op: PatchOperation): string[] {
	const parsed = Refs.safeParse(Array.isArray(op.value) ? op.value : op.value === undefined ? [] : [op.value]);
	if (!parsed.success) throw new ScimError(400, 'Members are sent as [{ "value": "<user id>" }].', 'invalidValue');
	return parsed.data.map((m) => m.value);
}

/** PATCH as Okta and Entra send it: members added, removed (by value list or `members[value eq "…"]`), replaced; displayName replaced. */
async function patch(r: ScimRequest) {
	const current = team(r);
	const body = await scimBody(r.req, PatchOp);
	for (const op of body.Operations) {
		const path = op.path?.trim() ?? '';
		const one = /^members\[\s*value\s+eq\s+"([^"]+)"\s*\]$/i.exec(path);
		const named = (op.value as { displayName?: unknown } | null)?.displayName;
		if (one && op.op === 'remove') await setMembers(r, current.id, [], [one[1]!]);
		else if (path.toLowerCase() === 'members' && op.op === 'add') await setMembers(r, current.id, refs(op), []);
		else if (path.toLowerCase() === 'members' && op.op === 'remove') {
			await setMembers(r, current.id, [], op.value === undefined ? r.state.teamMemberIds(current.id) : refs(op));
		} else if (path.toLowerCase() === 'members' && op.op === 'replace') {
			const want = refs(op);
			await setMembers(
				r,
				current.id,
				want,
				r.state.teamMemberIds(current.id).filter((id) => !want.includes(id))
			);
		} else if (path.toLowerCase() === 'displayname' || (path === '' && typeof named === 'string')) {
			const name = path === '' ? named : op.value;
			if (typeof name !== 'string') throw new ScimError(400, 'A displayName is text.', 'invalidValue');
			await submit(r, randomUUID(), { type: 'team.rename', orgId: r.orgId, teamId: current.id, name });
		} else if (!/^externalId$/i.test(path)) {
			throw new ScimError(400, `Roster cannot ${op.op} “${path || 'that'}” on a group.`, 'invalidPath');
		}
	}
	await answer(r, 200, current.id);
}

async function remove(r: ScimRequest) {
	await submit(r, randomUUID(), { type: 'team.delete', orgId: r.orgId, teamId: team(r).id });
	r.res.writeHead(204).end();
}

export const GROUP_ROUTES: readonly ScimRoute[] = [
	{ method: 'GET', path: '/Groups', handle: list },
	{ method: 'POST', path: '/Groups', handle: create },
	{ method: 'GET', path: '/Groups/{id}', handle: async (r) => answer(r, 200, team(r).id) },
	{ method: 'PUT', path: '/Groups/{id}', handle: replace },
	{ method: 'PATCH', path: '/Groups/{id}', handle: patch },
	{ method: 'DELETE', path: '/Groups/{id}', handle: remove }
];
