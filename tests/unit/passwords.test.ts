import { describe, expect, it } from 'vitest';
import { Password, passwordLength, passwordListKey, weakPassword } from '$lib/domain/index.ts';
import { slowdownMs } from '../../sync-server/auth.ts';

describe('the password rule (OWASP ASVS 2.1)', () => {
	it('counts characters, not UTF-16 units, and a run of spaces as one', () => {
		expect(passwordLength('🔑🔑🔑')).toBe(3);
		expect(passwordLength('a     b')).toBe(3);
		expect(passwordLength('cafe\u0301')).toBe(4);
	});

	it('takes 12 to 128 characters of any script, in NFC, with no rule about kinds of characters', () => {
		expect(Password.safeParse('eleven char').success).toBe(false);
		expect(Password.safeParse('a' + ' '.repeat(12)).success).toBe(false);
		expect(Password.parse('twelve chars')).toBe('twelve chars');
		expect(Password.parse('пароль пароль')).toBe('пароль пароль');
		expect(Password.parse('cafe\u0301 au lait')).toBe('caf\u00e9 au lait');
		expect(Password.safeParse('🔑'.repeat(128)).success).toBe(true);
		expect(Password.safeParse('x'.repeat(129)).error?.issues[0]?.message).toBe('A password has at most 128 characters');
		expect(Password.safeParse(undefined).error?.issues[0]?.message).toBe('Enter a password');
	});

	it('refuses a lone surrogate, which would hash like any other one', () => {
		expect(Password.safeParse('long enough \ud800 text').error?.issues[0]?.message).toBe(
			'A password cannot hold a broken character (a lone surrogate)'
		);
		expect(Password.safeParse('long enough \udfff text').success).toBe(false);
		expect(Password.safeParse('long enough \u{1F511} text').success).toBe(true);
	});

	it('refuses a password on the given list whatever its case or Unicode form, saying why', () => {
		const list = new Set(['qwertyuiop123', 'caf\u00e9caf\u00e9caf\u00e9']);
		const isCommon = (key: string) => list.has(key);
		expect(weakPassword('QwertyUiop123', isCommon)).toMatch(/list of common and breached passwords/);
		expect(weakPassword('cafe\u0301cafe\u0301cafe\u0301', isCommon)).toBeDefined();
		expect(weakPassword('correct horse battery', isCommon)).toBeUndefined();
		expect(passwordListKey('ÉTÉ')).toBe('été');
	});
});

describe('guessing slowdown', () => {
	it('leaves the first failures on an account alone, then doubles the pause up to 5 seconds, never refusing', () => {
		expect([0, 9].map(slowdownMs)).toEqual([0, 0]);
		expect([10, 11, 12].map(slowdownMs)).toEqual([250, 500, 1000]);
		expect(slowdownMs(1000)).toBe(5000);
	});
});
