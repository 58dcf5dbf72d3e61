import { describe, expect, it } from 'vitest';
import type { EntryNames } from '$lib/domain/index.ts';
import { orgWith, serverForEachTest } from './fixtures.ts';

const t = serverForEachTest();

describe('the activity feed names no one the organization does not know', () => {
	it("a refused change naming an outsider's id does not record the outsider's username for the feed's readers", async () => {
		const { rita } = await orgWith(t, { members: { rita: 'ORG_READ_ONLY' } });
		const outsider = await t.user('zed-secret-name');
		expect(await rita.client.mutate({ type: 'member.setRole', orgId: 'acme', userId: outsider.user.id, role: 'ORG_OWNER' })).toMatchObject({
			ok: false
		});
		const res = await fetch(new URL('/api/activity?org=acme', t.base), { headers: { cookie: rita.cookie } });
		const [entry] = ((await res.json()) as { entries: { type: string; names: EntryNames | null }[] }).entries;
		expect(entry).toMatchObject({ type: 'member.setRole' });
		expect(JSON.stringify(entry)).not.toContain('zed-secret-name');
	});
});
