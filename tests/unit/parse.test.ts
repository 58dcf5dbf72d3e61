import { describe, expect, it } from 'vitest';
import { parseMutation } from '../../src/lib/domain/index.ts';

const long = 'x'.repeat(10_000);

const unknown: [string, unknown][] = [
	['null', null],
	['undefined', undefined],
	['a number', 42],
	['a string', 'org.create'],
	['an array', [{ type: 'org.create' }]],
	['an empty object', {}],
	['an unknown type', { type: 'org.delete', orgId: 'o1' }],
	['a non-string type', { type: 7 }],
	['a 10k-character type', { type: long }],
	['a type that looks like a prototype key', { type: '__proto__' }],
	['a wire object as type', JSON.parse('{"type":{"toString":1}}')],
	['a null-prototype object as type', { type: Object.create(null) }]
];

const invalid: [string, unknown][] = [
	['missing orgId', { type: 'org.create', name: 'Acme' }],
	['missing name', { type: 'org.rename', orgId: 'o1' }],
	['missing userId', { type: 'member.remove', orgId: 'o1' }],
	['missing role', { type: 'member.add', orgId: 'o1', username: 'ann' }],
	['unknown role', { type: 'member.setRole', orgId: 'o1', userId: 'u1', role: 'ORG_GOD' }],
	['username too short', { type: 'member.add', orgId: 'o1', username: 'al', role: 'ORG_MEMBER' }],
	['username with a space', { type: 'member.add', orgId: 'o1', username: 'ann lee', role: 'ORG_MEMBER' }],
	['username with a slash', { type: 'member.add', orgId: 'o1', username: '../ann', role: 'ORG_MEMBER' }],
	['username of 33 characters', { type: 'member.add', orgId: 'o1', username: 'a'.repeat(33), role: 'ORG_MEMBER' }],
	['10k-character name', { type: 'org.rename', orgId: 'o1', name: long }],
	['blank name', { type: 'org.create', orgId: 'o1', name: '   ' }],
	['name that is not a string', JSON.parse('{"type":"org.rename","orgId":"o1","name":{"toString":1}}')],
	['orgId with a slash', { type: 'org.rename', orgId: 'o1/../o2', name: 'Acme' }],
	['10k-character orgId', { type: 'org.rename', orgId: long, name: 'Acme' }],
	['empty userId', { type: 'org.transferPrimaryAdmin', orgId: 'o1', userId: '' }],
	['numeric userId', { type: 'member.remove', orgId: 'o1', userId: 5 }]
];

function safely(input: unknown) {
	try {
		return parseMutation(input);
	} catch (error) {
		return { threw: String(error) };
	}
}

describe('parseMutation', () => {
	it.each(unknown)('refuses %s as UNKNOWN_MUTATION', (_name, input) => {
		const result = safely(input);
		expect(result).toMatchObject({ ok: false, code: 'UNKNOWN_MUTATION' });
		if ('message' in result) {
			expect(result.message.trim()).not.toBe('');
			expect(result.message.length).toBeLessThan(200);
		}
	});

	it.each(invalid)('refuses %s as INVALID_MUTATION', (_name, input) => {
		const result = safely(input);
		expect(result).toMatchObject({ ok: false, code: 'INVALID_MUTATION' });
		if ('message' in result) {
			expect(result.message.trim()).not.toBe('');
			expect(result.message).not.toContain('\n');
			expect(result.message).not.toContain(long.slice(0, 100));
		}
	});

	it('normalises usernames and names', () => {
		expect(parseMutation({ type: 'member.add', orgId: 'o1', username: '  Ann.Lee ', role: 'ORG_MEMBER' })).toEqual({
			ok: true,
			mutation: { type: 'member.add', orgId: 'o1', username: 'ann.lee', role: 'ORG_MEMBER' }
		});
		expect(parseMutation({ type: 'org.rename', orgId: 'o1', name: '  Acme  ' })).toMatchObject({
			ok: true,
			mutation: { name: 'Acme' }
		});
	});

	it('refuses extra keys by name, prototype-polluting ones included', () => {
		const frame = JSON.parse(
			'{"type":"org.rename","orgId":"o1","name":"Acme","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"extra":1}'
		);
		expect(parseMutation(frame)).toEqual({
			ok: false,
			code: 'INVALID_MUTATION',
			message: 'Unknown fields “__proto__”, “constructor”, “extra” in org.rename.'
		});
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});

	it('refuses a frame whose own __proto__ holds the fields', () => {
		const frame = JSON.parse('{"__proto__":{"type":"org.rename","orgId":"o1","name":"Acme"}}');
		expect(parseMutation(frame)).toMatchObject({ ok: false, code: 'UNKNOWN_MUTATION' });
	});
});
