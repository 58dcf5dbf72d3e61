import { describe, expect, it } from 'vitest';
import {
	ACTION_WORDS,
	MUTATIONS,
	MUTATION_ACCESS,
	MUTATION_TYPES,
	SENSITIVE_MUTATIONS,
	SERVER_ONLY,
	describeMutation,
	parseMutation,
	serverOnlyRefusal,
	type Mutation,
	type MutationType,
	type Names
} from '../../src/lib/domain/index.ts';
import { expectAccepted, id, withOrgId } from './factories.ts';
import { INTENT, USERNAME, setup } from './permission-fixture.ts';

const defs = Object.entries(MUTATIONS);
const names: Names = {
	user: (userId) => `user ${userId}`,
	team: (teamId) => `team-${teamId}`,
	project: (projectId) => `project-${projectId}`,
	invitation: (inviteId, projectId) => `invitation ${inviteId}${projectId ? ` of ${projectId}` : ''}`
};

describe('the mutation registry', () => {
	it('holds each mutation under its own type, and derives the list of types from it', () => {
		for (const [type, def] of defs) expect(def.type).toBe(type);
		expect([...MUTATION_TYPES].sort()).toEqual(Object.keys(MUTATIONS).sort());
		expect(new Set(MUTATION_TYPES).size).toBe(MUTATION_TYPES.length);
	});

	it.each(defs)('%s has a strict schema that parses its sample and refuses a field it does not name', (type, def) => {
		const sample = withOrgId(INTENT[type as MutationType]);
		expect(def.schema.shape.type.value).toBe(type);
		expect(parseMutation(sample)).toEqual({ ok: true, mutation: def.schema.parse(sample) });
		expect(def.schema.safeParse({ ...sample, extra: 1 }).success).toBe(false);
	});

	it.each(defs)('%s says who may send it, in words a refusal can use', (type, def) => {
		expect(MUTATION_ACCESS[type as MutationType]).toBe(def.access);
		if (!['member', 'anyone', 'invitee'].includes(def.access))
			expect(ACTION_WORDS[def.access as keyof typeof ACTION_WORDS]).toMatch(/^[a-z]/);
	});

	it.each(defs)('%s says whether it is sensitive, explicitly', (type, def) => {
		expect(Object.hasOwn(def, 'sensitive')).toBe(true);
		expect(typeof def.sensitive).toBe('boolean');
		expect(SENSITIVE_MUTATIONS.has(type as MutationType)).toBe(def.sensitive);
	});

	it.each(defs)('%s describes its sample in words', (type) => {
		expect(describeMutation(withOrgId(INTENT[type as MutationType]), names)).toMatch(/^[A-Z]\S* .*\S$/);
	});

	it.each<[Mutation, string]>([
		[withOrgId({ type: 'org.create', name: 'Acme' }), 'Create organization “Acme”'],
		[withOrgId({ type: 'member.setRole', userId: 'u1', role: 'ORG_BILLING_ADMIN' }), 'Make user u1 Billing Admin'],
		[withOrgId({ type: 'org.setContact', contact: 'emergency', email: null }), 'Clear the emergency contact'],
		[
			withOrgId({ type: 'deployment.create', projectId: 'p1', deploymentId: 'd1', name: 'main', plan: 'dedicated' }),
			'Create dedicated deployment “main” in project-p1'
		],
		[
			withOrgId({ type: 'project.cancelInvite', projectId: 'p1', inviteId: 'i1' }),
			'Cancel the invitation of invitation i1 of p1 to project-p1'
		],
		[
			withOrgId({ type: 'join.approve', projectId: 'p1', userId: 'u1', roles: ['PROJECT_OWNER', 'PROJECT_READ_ONLY'] }),
			'Let user u1 join project-p1 as Owner, Read only'
		],
		[withOrgId({ type: 'invite.accept', inviteId: 'i1' }), 'Accept the invitation'],
		[withOrgId({ type: 'invite.accept', inviteId: 'i1', projectId: 'p1' }), 'Accept the invitation to project-p1']
	])('describes %j as “%s”', (mutation, words) => {
		expect(describeMutation(mutation, names)).toBe(words);
	});
});

describe('server-only mutations', () => {
	const serverOnly = defs.filter(([, def]) => def.serverOnly !== undefined).map(([type]) => type as MutationType);

	it('are the card, the managed-user, the service-account, the single sign-on, the provisioning and the expiry ones, each with its reason', () => {
		expect(serverOnly.sort()).toEqual([
			'access.expire',
			'access.remindExpiry',
			'card.add',
			'member.addManaged',
			'member.deleteManaged',
			'member.provision',
			'serviceAccount.add',
			'serviceAccount.addSecret',
			'serviceAccount.delete',
			'sso.apply'
		]);
		expect(Object.keys(SERVER_ONLY).sort()).toEqual(serverOnly);
	});

	it.each(serverOnly)('%s is refused from a socket with its reason, though it parses and the check would accept it', (type) => {
		const sample = withOrgId(INTENT[type]);
		expect(parseMutation(sample).ok).toBe(true);
		// Provisioning is an owner service account's (rules §5); the rest, the primary admin's.
		expectAccepted(setup(type).check(type === 'member.provision' ? 'robot' : USERNAME['primary admin'], INTENT[type]));
		expect(serverOnlyRefusal(sample)).toEqual({ ok: false, code: 'FORBIDDEN', message: SERVER_ONLY[type] });
	});

	it('refuse nothing else, and nothing that is not a mutation', () => {
		for (const type of MUTATION_TYPES.filter((t) => !serverOnly.includes(t)))
			expect(serverOnlyRefusal(withOrgId(INTENT[type]))).toBeUndefined();
		for (const input of [null, 42, 'card.add', { type: 'toString' }, { type: '__proto__' }, {}])
			expect(serverOnlyRefusal(input)).toBeUndefined();
	});
});

describe('at compile time', () => {
	it('a mutation missing from the registry is no Mutation, and a table by type must name every registered one', () => {
		// @ts-expect-error 'org.paint' is not registered, so no value of type Mutation can hold it
		const unregistered: Mutation = { type: 'org.paint', orgId: 'org1' };
		// @ts-expect-error a registry-wide table must name every registered type
		const partial: Record<MutationType, boolean> = { 'org.rename': false };
		// @ts-expect-error each entry holds the definition of its own type
		const misfiled: (typeof MUTATIONS)['org.rename'] = MUTATIONS['org.close'];
		expect([unregistered, partial, misfiled]).toHaveLength(3);
		expect(id('ann')).toBe('u-ann');
	});
});
