import { describe, expect, it } from 'vitest';
import { editableFields, reworded } from '../../src/lib/client/editable-fields.ts';
import { parseMutation, type Mutation } from '../../src/lib/domain/index.ts';

const orgId = 'org1';

describe('what of a refused change can be worded again', () => {
	it('names, addresses and roles, read from the mutation’s own schema, prefilled as sent', () => {
		expect(editableFields({ type: 'team.rename', orgId, teamId: 't-ops', name: 'Ops' })).toEqual([
			{ key: 'name', label: 'Name', kind: 'text', value: 'Ops' }
		]);
		const invite = editableFields({ type: 'member.invite', orgId, inviteId: 'i-1', email: 'a@example.com', role: 'ORG_MEMBER', teams: [] });
		expect(invite.map((f) => [f.key, f.kind])).toEqual([
			['email', 'text'],
			['role', 'choice']
		]);
		const roles = editableFields({ type: 'project.setUserRoles', orgId, projectId: 'p-1', userId: 'u-1', roles: ['PROJECT_OWNER'] });
		expect(roles).toMatchObject([{ key: 'roles', kind: 'choices', value: ['PROJECT_OWNER'] }]);
		expect(roles[0]!.kind === 'choices' && roles[0]!.options.map((o) => o.label)).toEqual(['Owner', 'Cluster Manager', 'Read only']);
	});

	it('never the ids a change is about, nor a card or a sign-on mapping, nor a change with nothing to word', () => {
		expect(editableFields({ type: 'member.remove', orgId, userId: 'u-1' })).toEqual([]);
		expect(editableFields({ type: 'member.leave', orgId })).toEqual([]);
		const card = { type: 'card.add', orgId, cardId: 'c', brand: 'visa', last4: '4242', holder: 'Ann', expMonth: 1, expYear: 2030 };
		expect(editableFields(card as unknown as Mutation)).toEqual([]);
		// A kind an older version wrote that this one no longer knows (kept refused in the outbox) has no form, and no crash.
		expect(editableFields({ type: 'team.archive', orgId, teamId: 't' } as unknown as Mutation)).toEqual([]);
	});

	it('the worded change is a new mutation that parses like any other, or is refused at the boundary', () => {
		const m: Mutation = { type: 'team.create', orgId, teamId: 't-1', name: 'Ops' };
		const [name] = editableFields(m);
		expect(parseMutation(reworded(m, [{ ...name!, value: 'Ops 2' } as typeof name & {}]))).toEqual({
			ok: true,
			mutation: { ...m, name: 'Ops 2' }
		});
		expect(parseMutation(reworded(m, [{ ...name!, value: '' } as typeof name & {}]))).toMatchObject({ ok: false });
	});
});
