import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { billingMaps } from '$lib/domain/index.ts';
import { billingDocId } from '$lib/protocol/messages.ts';
import { storedRows } from './store-sql.ts';
import { post } from './test-client.ts';
import { serverForEachTest } from './fixtures.ts';

const ORG = 'acme';
const ok = { t: 'verdict', ok: true };
const NUMBER = '4111111111111111';

const t = serverForEachTest();

const addCard = (cookie: string, number = NUMBER, extra: Record<string, unknown> = {}) =>
	post(t.base, '/api/cards', { org: ORG, number, expMonth: 12, expYear: 2099, cvc: '737', holder: 'Acme Inc', ...extra }, { cookie });

describe('cards over the wire', () => {
	it('are checked and reduced on the server: the number reaches no document, store file or log', async () => {
		const logs: string[] = [];
		for (const level of ['log', 'error', 'warn', 'info'] as const) {
			vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(' ')));
		}
		const alice = await t.user('alice');
		const bob = await t.user('bob');
		expect(await alice.client.mutate({ type: 'org.create', orgId: ORG, name: 'Acme' })).toMatchObject(ok);
		expect(await alice.client.mutate({ type: 'member.add', orgId: ORG, username: 'bob', role: 'ORG_MEMBER' })).toMatchObject(ok);
		await alice.client.sync(billingDocId(ORG));

		const res = await addCard(alice.cookie, '4111 1111 1111 1111');
		expect(res.status).toBe(201);
		expect(await res.json()).toMatchObject({ card: { brand: 'visa', last4: '1111', expMonth: 12, expYear: 2099 } });
		const second = await addCard(alice.cookie, '5555555555554444');
		expect(second.status).toBe(201);
		await alice.client.until(() => billingMaps(alice.client.doc(billingDocId(ORG))).cards.size === 2);
		const billing = billingMaps(alice.client.doc(billingDocId(ORG)));
		const first = [...billing.cards.values()].find((c) => c.last4 === '1111')!;
		expect(billing.defaults.get('cardId')).toBe(first.id);

		// Refusals name the rule; nothing is added.
		expect(await (await addCard(alice.cookie, '4111111111111112')).json()).toMatchObject({ code: 'CARD_INVALID' });
		expect(await (await addCard(alice.cookie, NUMBER, { expYear: 2001 })).json()).toMatchObject({ code: 'CARD_EXPIRED' });
		const forbidden = await addCard(bob.cookie);
		expect(forbidden.status).toBe(403);
		expect(await forbidden.json()).toMatchObject({ code: 'FORBIDDEN' });
		expect((await addCard('')).status).toBe(401);

		// A socket may not add a card itself, even without a number.
		const direct = { type: 'card.add', orgId: ORG, cardId: 'c-x', brand: 'visa', last4: '0000', expMonth: 1, expYear: 2099, holder: 'x' };
		expect(await alice.client.mutate(direct)).toMatchObject({ ok: false, code: 'FORBIDDEN' });

		// Billing is read by billing roles only: bob (a plain member) is refused the document.
		const revoked = await bob.client.sync(billingDocId(ORG));
		expect(revoked).toMatchObject({ text: { t: 'revoked', doc: billingDocId(ORG) } });
		expect(bob.client.welcome().docs).not.toContain(billingDocId(ORG));

		// The rows are read while the server runs (on PostgreSQL they are not in the data directory); the files once it has closed them.
		const stored = (await storedRows(t.server)).map((text) => ({ name: 'a stored row', text }));
		await t.server.close();
		const files = readdirSync(t.dataDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
		expect(files.length).toBeGreaterThan(0);
		for (const { name, text } of [
			...files.map((f) => ({ name: f.name, text: readFileSync(join(f.parentPath, f.name)).toString('latin1') })),
			...stored
		]) {
			expect(text.includes(NUMBER), name).toBe(false);
			expect(text.includes('5555555555554444'), name).toBe(false);
		}
		expect(logs.join('\n')).not.toContain(NUMBER);
		await t.start();
	});
});
