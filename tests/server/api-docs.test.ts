import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { orgWith, serverForEachTest } from './fixtures.ts';
import { createAccount, createSecret } from './service-account-client.ts';

const run = promisify(execFile);
const t = serverForEachTest();

/** Each ```sh example of docs/api.md with the ```json answer shown right after it. */
function examples(): { script: string; answer: unknown }[] {
	const text = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
	const pairs = [...text.matchAll(/```sh\n([\s\S]*?)```\s*```json\n([\s\S]*?)```/g)].map(([, script, answer]) => ({
		script: script!,
		answer: JSON.parse(answer!) as unknown
	}));
	expect(pairs.length, 'every sh example is followed by its answer').toBe(text.match(/```sh\n/g)!.length);
	return pairs;
}

const keys = (v: unknown) => Object.keys(v as object).sort();

describe('docs/api.md (rules §5)', () => {
	it('every curl example, run with /usr/bin/curl against a real server, gets the answer the page shows', async () => {
		expect(existsSync('/usr/bin/curl')).toBe(true);
		const { alice } = await orgWith(t, { teams: [{ id: 'ops', name: 'Ops', members: [] }], projects: [{ id: 'apollo', name: 'Apollo' }] });
		const owner = await createAccount(t, alice.cookie, { username: 'ops-bot', role: 'ORG_OWNER' });
		const env = {
			PATH: '/usr/bin:/bin',
			ROSTER: t.base,
			ORG: 'acme',
			COOKIE: alice.cookie,
			ACCOUNT: await createAccount(t, alice.cookie, { username: 'report-bot', role: 'ORG_MEMBER' }),
			TOKEN: (await createSecret(t, alice.cookie, owner)).secret
		};
		for (const { script, answer } of examples()) {
			const { stdout } = await run('/bin/bash', ['-euo', 'pipefail', '-c', script], { env });
			const got = JSON.parse(stdout) as Record<string, unknown>;
			const shown = answer as Record<string, unknown>;
			const what = script.split('\n')[0]!;
			expect(keys(got), what).toEqual(keys(shown));
			if ('code' in shown) expect(got.code, what).toBe(shown.code);
			if ('ok' in shown) expect(got.ok, what).toBe(shown.ok);
		}
		// The examples did what they say: one Release team, however often it was sent; deploy-bot made; report-bot deleted.
		const state = (await t.server.hub.orgState('acme'))!;
		expect(
			state
				.teams()
				.map((team) => team.name)
				.sort()
		).toEqual(['Ops', 'Release']);
		expect(state.members().map((m) => m.username)).toContain('deploy-bot');
		expect(await t.server.accounts.user(env.ACCOUNT)).toBeUndefined();
	});
});
