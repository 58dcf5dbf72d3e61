import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Email, emailKey, publicProfile, type UserProfile } from '$lib/domain/index.ts';
import { saveProfile } from './account-writes.ts';
import { scimBody, submit, type ScimRequest, type ScimRoute } from './scim-request.ts';
import {
	Active,
	PatchOp,
	ScimError,
	ScimUserInput,
	displayNameOf,
	listResponse,
	parseFilter,
	scimJson,
	userResource,
	type PatchOperation
} from './scim-wire.ts';

/**
 * SCIM Users (docs/scim.md): a provisioned user is an account the organization manages (rules §1),
 * with no password, whose email is the SCIM userName; it is active while it is a member.
 */

/** What a create, PUT or PATCH asks of a user; undefined leaves it as it is. */
interface UserChange {
	email?: string;
	externalId?: string;
	displayName?: string;
	active?: boolean;
}

const noUser = () => new ScimError(404, 'No user of this organization has that id.');

function email(userName: string): string {
	const r = Email.safeParse(userName);
	if (!r.success) throw new ScimError(400, 'A userName is the user’s email address.', 'invalidValue');
	return r.data;
}

/** The organization's provisioned users that are members (active), the service accounts left out. */
function activeUsers(r: ScimRequest) {
	return r.state.members().filter((m) => m.managedBy === r.orgId && !m.service);
}

/** The user the path names, if this organization manages it (a member or no longer one). */
async function target(r: ScimRequest): Promise<UserProfile> {
	const user = r.id === undefined ? undefined : await r.deps.accounts.user(r.id);
	if (!user || user.managedBy !== r.orgId || user.service) throw noUser();
	return publicProfile(user);
}

async function answer(r: ScimRequest, status: number, userId: string) {
	const user = (await r.deps.accounts.user(userId))!;
	const state = (await r.deps.hub.orgState(r.orgId))!;
	scimJson(r.res, status, userResource(r.base, user, !!state.member(userId), await r.deps.accounts.scimExternalId(userId)));
}

/** A Roster username from the address's local part (3–32 of a–z 0–9 . _ -), made unique with a suffix when taken. */
async function freeUsername(r: ScimRequest, address: string): Promise<string> {
	const local = address
		.split('@')[0]!
		.toLowerCase()
		.replace(/[^a-z0-9._-]/g, '-')
		.slice(0, 24);
	const base = local.length >= 3 ? local : `${local}-user`;
	for (const name of [base, ...Array.from({ length: 5 }, () => `${base}-${randomBytes(3).toString('hex')}`)]) {
		if (!(await r.deps.accounts.userByUsername(name))) return name;
	}
	throw new ScimError(409, 'No free username could be made from that address.', 'uniqueness');
}

/** Profile first (a taken address refuses before access changes), then membership through the hub. */
async function apply(r: ScimRequest, user: UserProfile, change: UserChange) {
	if (change.email !== undefined && emailKey(change.email) !== emailKey(user.email)) {
		if (activeUsers(r).some((m) => m.userId !== user.id && emailKey(m.email) === emailKey(change.email!))) {
			throw new ScimError(409, 'Another user of this organization has that userName.', 'uniqueness');
		}
		await r.deps.accounts.setEmail(user.id, change.email);
		await r.deps.hub.refreshProfile(user.id);
	}
	await keepExternalId(r, user.id, change.externalId);
	if (change.displayName !== undefined) await saveProfile(r.deps, user, { displayName: change.displayName });
	const member = !!r.state.member(user.id);
	// rules §5: deactivating is member.remove, so the user's open sockets lose the organization at once.
	if (change.active === false && member) await submit(r, randomUUID(), { type: 'member.remove', orgId: r.orgId, userId: user.id });
	if (change.active === true && !member) {
		await submit(r, randomUUID(), { type: 'member.provision', orgId: r.orgId, userId: user.id, role: 'ORG_MEMBER' });
	}
}

/** The provider's externalId for the user; one user of the organization holds each. */
async function keepExternalId(r: ScimRequest, userId: string, externalId: string | undefined) {
	if (externalId === undefined || (await r.deps.accounts.setScimExternalId(r.orgId, userId, externalId))) return;
	throw new ScimError(409, 'Another user of this organization has that externalId.', 'uniqueness');
}

async function list(r: ScimRequest) {
	const filter = parseFilter(r.url.searchParams.get('filter'), ['userName', 'externalId']);
	const byExternal = filter?.attribute === 'externalId' ? await r.deps.accounts.scimUser(r.orgId, filter.value) : undefined;
	const users = activeUsers(r).filter(
		(m) => !filter || (filter.attribute === 'userName' ? emailKey(m.email) === emailKey(filter.value) : m.userId === byExternal)
	);
	const resources = await Promise.all(
		users.map(async (m) => userResource(r.base, { ...m, id: m.userId }, true, await r.deps.accounts.scimExternalId(m.userId)))
	);
	scimJson(r.res, 200, listResponse(resources, r.url.searchParams));
}

async function create(r: ScimRequest) {
	const body = await scimBody(r.req, ScimUserInput);
	const address = email(body.userName);
	if (activeUsers(r).some((m) => emailKey(m.email) === emailKey(address))) {
		throw new ScimError(409, 'A user of this organization already has that userName.', 'uniqueness');
	}
	if (body.externalId !== undefined && (await r.deps.accounts.scimUser(r.orgId, body.externalId))) {
		throw new ScimError(409, 'Another user of this organization has that externalId.', 'uniqueness');
	}
	const user = {
		id: randomUUID(),
		username: await freeUsername(r, address),
		email: address,
		emailVerified: false,
		displayName: displayNameOf(body) ?? '',
		managedBy: r.orgId,
		// No password: a provisioned user signs in through the organization's single sign-on.
		passwordHash: ''
	};
	if (!(await r.deps.accounts.insertUser(user, r.deps.now())))
		throw new ScimError(409, 'That username was just taken: send it again.', 'uniqueness');
	await keepExternalId(r, user.id, body.externalId);
	if (body.active !== false) {
		try {
			await submit(r, `create-${user.id}`, { type: 'member.provision', orgId: r.orgId, userId: user.id, role: 'ORG_MEMBER' });
		} catch (err) {
			await r.deps.accounts.deleteUser(user.id);
			throw err;
		}
	}
	await answer(r, 201, user.id);
}

async function replace(r: ScimRequest) {
	const user = await target(r);
	const body = await scimBody(r.req, ScimUserInput);
	await apply(r, user, {
		email: email(body.userName),
		externalId: body.externalId,
		displayName: displayNameOf(body) ?? '',
		active: body.active ?? true
	});
	await answer(r, 200, user.id);
}

/** One PATCH operation as a change; attributes Roster does not keep are ignored, as the provider expects. */
function patchChange(op: PatchOperation): UserChange {
	const value = (schema: z.ZodType, v: unknown = op.value) => {
		const parsed = schema.safeParse(v);
		if (!parsed.success) throw new ScimError(400, `The value for ${op.path ?? 'the user'} is not valid.`, 'invalidValue');
		return parsed.data as never;
	};
	if (op.op === 'remove') return {};
	switch (op.path?.toLowerCase()) {
		case undefined: {
			const v = value(ScimUserInput.partial()) as Partial<ScimUserInput>;
			return {
				active: v.active,
				externalId: v.externalId,
				displayName: displayNameOf(v),
				email: v.userName === undefined ? undefined : email(v.userName)
			};
		}
		case 'active':
			return { active: value(Active) };
		case 'displayname':
		case 'name.formatted':
			return { displayName: value(z.string().max(100)) };
		case 'username':
			return { email: email(value(z.string())) };
		case 'externalid':
			return { externalId: value(z.string().max(254)) };
		default:
			return {};
	}
}

async function patch(r: ScimRequest) {
	const user = await target(r);
	const body = await scimBody(r.req, PatchOp);
	const change = Object.assign(
		{},
		...body.Operations.map(patchChange).map((c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)))
	) as UserChange;
	await apply(r, user, change);
	await answer(r, 200, user.id);
}

/** DELETE: the user leaves the organization (as deactivating does); the account stays, managed, to be provisioned again. */
async function remove(r: ScimRequest) {
	const user = await target(r);
	await apply(r, user, { active: false });
	r.res.writeHead(204).end();
}

export const USER_ROUTES: readonly ScimRoute[] = [
	{ method: 'GET', path: '/Users', handle: list },
	{ method: 'POST', path: '/Users', handle: create },
	{ method: 'GET', path: '/Users/{id}', handle: async (r) => answer(r, 200, (await target(r)).id) },
	{ method: 'PUT', path: '/Users/{id}', handle: replace },
	{ method: 'PATCH', path: '/Users/{id}', handle: patch },
	{ method: 'DELETE', path: '/Users/{id}', handle: remove }
];
