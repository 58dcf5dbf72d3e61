import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { expiryHolder, type ExpiryTarget } from '$lib/domain/index.ts';
import { ExpiryDue } from '../../sync-server/expiry-due.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';
import { mails } from './mail.ts';

const ORG = 'acme';
const ok = { t: 'verdict', ok: true };
const DAY = 86_400_000;
const START = Date.parse('2027-02-01T12:00:00Z');
const MARCH = Date.parse('2027-03-01T00:00:00Z');
/** Organizations beside acme, none with an expiry. */
const OTHERS = 12;

let clock = START;
beforeEach(() => {
	clock = START;
});
afterEach(() => {
	vi.restoreAllMocks();
});
// The run is driven by the test (expiryIntervalMs is long): each run() resolves once what was due is durable and mailed.
const t = serverForEachTest(() => ({ now: () => clock, expiryIntervalMs: 3_600_000 }));

const reminders = (email: string) => mails(t.dataDir, email).filter((m) => / expires? on /.test(m.subject));

/**
 * The organizations the expiry run loads while it runs (hub.orgState). The billing run, which
 * visits every organization at start-up and hourly, is stopped first, so that only the expiry
 * run's loads are counted.
 */
async function expiryLoads(): Promise<{ run(): Promise<string[]> }> {
	await t.server.billing.stop();
	await t.server.expiry.run();
	const loads = vi.spyOn(t.server.hub, 'orgState');
	return {
		async run() {
			loads.mockClear();
			await t.server.expiry.run();
			return [...new Set(loads.mock.calls.map(([orgId]) => orgId))];
		}
	};
}

/** acme, where bob's membership expires on 1 March, and OTHERS organizations of alice's with none. */
async function manyOrgs() {
	const users = await orgWith(t, { members: { bob: 'ORG_PROJECT_CREATOR' } });
	for (let i = 0; i < OTHERS; i++) {
		expect(await users.alice.client.mutate({ type: 'org.create', orgId: `other-${i}`, name: `Other ${i}` })).toMatchObject(ok);
	}
	const target: ExpiryTarget = { kind: 'member', userId: users.bob.user.id };
	const set = { type: 'access.setExpiry', orgId: ORG, target, expiry: { at: MARCH, then: 'ORG_MEMBER' } };
	expect(await users.alice.client.mutate(set)).toMatchObject(ok);
	return { ...users, target };
}

const expiryOf = async (target: ExpiryTarget) => {
	const state = await t.server.hub.orgState(ORG);
	return state && expiryHolder(state, target);
};

/** Runs SQL on the test's store, whichever it is. */
async function sql(statement: string) {
	if (t.server.pool) await t.server.pool.query(statement);
	else t.server.store!.db.exec(statement);
}

describe('the expiry run visits only organizations with something due (rules §6)', () => {
	it('a moment whose write failed after its commit is written again before the next run, so the expiry is on time', async () => {
		const { alice, bob } = await orgWith(t, { members: { bob: 'ORG_PROJECT_CREATOR' } });
		const runs = await expiryLoads();
		const target: ExpiryTarget = { kind: 'member', userId: bob.user.id };
		const keep = vi.spyOn(t.server.documents, 'keepExpiryDue').mockRejectedValueOnce(new Error('the store blinked'));
		const set = { type: 'access.setExpiry', orgId: ORG, target, expiry: { at: MARCH, then: 'ORG_MEMBER' } };
		expect(await alice.client.mutate(set)).toMatchObject(ok);
		await vi.waitFor(() => expect(keep).toHaveBeenCalled());
		clock = MARCH - 7 * DAY;
		expect(await runs.run()).toContain(ORG);
		expect((await expiryOf(target))?.expiry?.remindedAt).toBe(MARCH - 7 * DAY);
	});

	it('loads only the organization due, applies it once on time, and finds it again after a restart', async () => {
		const { bob, target } = await manyOrgs();
		expect((await t.server.hub.orgIds()).length).toBe(OTHERS + 1);
		let runs = await expiryLoads();
		expect(await runs.run()).toEqual([]);

		clock = MARCH - 7 * DAY - 1;
		expect(await runs.run()).toEqual([]);
		clock = MARCH - 7 * DAY;
		expect(await runs.run()).toEqual([ORG]);
		expect(reminders(bob.user.email)).toHaveLength(1);
		// Reminded: nothing is due until the expiry itself.
		expect(await runs.run()).toEqual([]);

		// A new server on the same store finds it from the store, not from memory.
		await t.restart();
		runs = await expiryLoads();
		clock = MARCH - 1;
		expect(await runs.run()).toEqual([]);
		expect((await expiryOf(target))?.expiry?.at).toBe(MARCH);
		clock = MARCH;
		expect(await runs.run()).toEqual([ORG]);
		const applied = await expiryOf(target);
		expect(applied?.kind === 'member' && applied.member.role).toBe('ORG_MEMBER');
		expect(applied?.expiry).toBeUndefined();
		clock = MARCH + DAY;
		expect(await runs.run()).toEqual([]);
		expect(reminders(bob.user.email)).toHaveLength(1);
	});

	it('asks the store for the organizations due, never for every organization', async () => {
		await manyOrgs();
		await expiryLoads();
		const asked = vi.spyOn(t.server.documents, 'expiryDueBy');
		const every = vi.spyOn(t.server.hub, 'orgIds');
		clock = MARCH;
		await t.server.expiry.run();
		expect(asked).toHaveBeenCalledWith(MARCH);
		expect(every).not.toHaveBeenCalled();
	});

	it('fills a store made before the moments were kept once, from every organization, then never again', async () => {
		const { bob, target } = await manyOrgs();
		// As a store older than the table: no moments, no mark.
		await sql('delete from org_expiry_due; delete from store_marks');
		const refreshed = vi.spyOn(ExpiryDue.prototype, 'refresh');
		clock = MARCH - 7 * DAY;
		await t.restart();
		// The run at start-up fills it (each organization once) and finds acme's reminder due (acme's second refresh: after its visit).
		await t.server.expiry.run();
		expect(refreshed.mock.calls.map(([orgId]) => orgId).sort()).toEqual([ORG, ...(await t.server.hub.orgIds())].sort());
		expect(await t.server.documents.expiryDueFilled()).toBe(true);
		expect(reminders(bob.user.email)).toHaveLength(1);

		refreshed.mockClear();
		await t.restart();
		const runs = await expiryLoads();
		expect(refreshed).not.toHaveBeenCalled();
		clock = MARCH;
		expect(await runs.run()).toEqual([ORG]);
		expect((await expiryOf(target))?.expiry).toBeUndefined();
	});
});
