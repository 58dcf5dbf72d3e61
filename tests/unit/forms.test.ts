import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
	CardEntry,
	cardFromEntry,
	cardName,
	issueSentences,
	parseMutation,
	REFUSAL_CODES,
	REFUSAL_RETRY,
	retryCanSucceed
} from '../../src/lib/domain/index.ts';
import { meanwhileEntries, meanwhileSentence } from '../../src/lib/client/meanwhile.ts';
import type { ActivityEntry } from '../../src/lib/client/api.ts';
import type { OutboxEntry } from '../../src/lib/client/db.ts';

const NOW = Date.UTC(2026, 10, 30, 10, 0);
const entry = { number: '4242 4242 4242 4242', expMonth: '3', expYear: '27', cvc: '123', holder: 'Ann Example' };

describe('card entry: what people type', () => {
	it.each([
		['a two-digit year', { expYear: '27' }, 2027, 3],
		['a four-digit year', { expYear: '2027' }, 2027, 3],
		['a zero-padded month', { expMonth: '03' }, 2027, 3],
		['a number with dashes', { number: '4242-4242-4242-4242' }, 2027, 3]
	])('accepts %s', (_, change, year, month) => {
		const card = cardFromEntry({ ...entry, ...change }, 'c1', NOW);
		expect(card).toMatchObject({ ok: true, card: { expYear: year, expMonth: month, last4: '4242', brand: 'visa' } });
	});

	it('words a refused year and month for people, naming the field', () => {
		const parsed = CardEntry.safeParse({ ...entry, expMonth: '13', expYear: '1999' });
		expect(parsed.success).toBe(false);
		const words = issueSentences(parsed.error!);
		expect(words).toContain('The expiry month is a number from 1 to 12.');
		expect(words).toContain('The expiry year is a year such as 2030 or 30.');
		expect(words).not.toMatch(/expected|>=|Too small/);
	});

	it('names brands as people write them', () => {
		expect(cardName({ brand: 'amex', last4: '0005' })).toBe('the American Express card ending 0005');
	});
});

describe('zod defaults are worded, wherever they come from', () => {
	it.each([
		[z.object({ count: z.number().min(3) }), { count: 1 }, 'The count must be at least 3.'],
		[z.object({ email: z.email() }), { email: 'x' }, 'The email address must look like name@example.com.'],
		[z.object({ name: z.string() }), {}, 'The name is required.'],
		[z.object({ kind: z.enum(['a', 'b']) }), { kind: 'c' }, 'The kind must be one of: a, b.']
	])('%#', (schema, input, words) => {
		expect(issueSentences(schema.safeParse(input).error!)).toBe(words);
	});

	it('an invalid mutation is refused in sentences, not in zod notation', () => {
		const parsed = parseMutation({ type: 'member.setRole', orgId: 'o1', userId: 'u1', role: 'ORG_GOD' });
		expect(parsed).toMatchObject({ ok: false, code: 'INVALID_MUTATION' });
		expect(!parsed.ok && parsed.message).not.toMatch(/✖|→|expected one of/);
	});
});

describe('retry only where a retry can succeed', () => {
	it('decides every refusal code', () => {
		expect(Object.keys(REFUSAL_RETRY).sort()).toEqual([...REFUSAL_CODES].sort());
	});

	it('offers Retry after a fresh code, not for a taken name or a lost permission', () => {
		expect(retryCanSucceed('STEP_UP_REQUIRED')).toBe(true);
		expect(retryCanSucceed('TEAM_NAME_TAKEN')).toBe(false);
		expect(retryCanSucceed('FORBIDDEN')).toBe(false);
		expect(retryCanSucceed('USER_NOT_FOUND')).toBe(false);
	});
});

describe('what happened meanwhile', () => {
	const queued: OutboxEntry = {
		id: 'm1',
		seq: 1,
		orgId: 'o1',
		status: 'refused',
		code: 'FORBIDDEN',
		createdAt: NOW,
		mutation: { type: 'team.rename', orgId: 'o1', teamId: 't1', name: 'Web' }
	};
	const feed = (at: number, actor: string, mutation: Record<string, unknown>, ok = true): ActivityEntry => ({
		seq: at,
		at,
		actor: { id: actor, username: actor },
		type: String(mutation.type),
		mutation,
		ok,
		code: null,
		message: null,
		names: null
	});
	const names = { user: (id: string) => id, team: () => 'Frontend', project: () => 'a project', invitation: () => 'an invitee' };

	it('finds other people’s changes to the same thing or to the user, after the change was queued', () => {
		const entries = [
			feed(NOW - 1, 'bob', { type: 'member.setRole', orgId: 'o1', userId: 'ann', role: 'ORG_MEMBER' }),
			feed(NOW + 1, 'ann', { type: 'team.delete', orgId: 'o1', teamId: 't1' }),
			feed(NOW + 2, 'bob', { type: 'team.create', orgId: 'o1', teamId: 't2', name: 'Ops' }),
			feed(NOW + 3, 'bob', { type: 'team.delete', orgId: 'o1', teamId: 't1' }, false),
			feed(NOW + 4, 'bob', { type: 'member.setRole', orgId: 'o1', userId: 'ann', role: 'ORG_READ_ONLY' })
		];
		const found = meanwhileEntries(queued, entries, 'ann');
		expect(found.map((e) => e.seq)).toEqual([NOW + 4]);
		expect(meanwhileSentence(found, 'ann', names)).toMatch(/^Meanwhile bob made this change \(.+\): Make you Read Only\.$/);
	});

	it('says nothing when nobody else touched it', () => {
		expect(meanwhileSentence(meanwhileEntries(queued, [], 'ann'), 'ann', names)).toBe('');
	});
});
