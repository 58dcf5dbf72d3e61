import { describe, expect, it } from 'vitest';
import { orgDocId, projectDocId } from '../../src/lib/protocol/messages.ts';
import { editorsOf, hereOf, whoIsWhere } from '../../src/lib/client/presence-view.ts';
import { editingSentence, initials } from '../../src/lib/client/presence-words.ts';
import type { Peer } from '../../src/lib/client/presence-peers.svelte.ts';
import type { PeerPresence } from '../../src/lib/protocol/presence.ts';

const ORG = orgDocId('acme');
const PROJECT = projectDocId('acme', 'web');
const peer = (clientId: number, id: string, view: PeerPresence['view'], since: number, editing: PeerPresence['editing'] = null): Peer => ({
	clientId,
	clock: 1,
	state: { view, editing, user: { id, name: id.toUpperCase(), username: id }, since }
});

describe('presence as pages show it', () => {
	it('names the page and document of each organization route', () => {
		expect(hereOf('/orgs/[orgId]', 'acme', undefined)).toEqual({ doc: ORG, view: 'members' });
		expect(hereOf('/orgs/[orgId]/teams', 'acme', undefined)).toEqual({ doc: ORG, view: 'teams' });
		expect(hereOf('/orgs/[orgId]/service-accounts', 'acme', undefined)).toEqual({ doc: ORG, view: 'service-accounts' });
		expect(hereOf('/orgs/[orgId]/billing/invoices/[invoiceId]', 'acme', undefined)).toEqual({ doc: ORG, view: 'billing' });
		expect(hereOf('/orgs/[orgId]/projects/[projectId]', 'acme', 'web')).toEqual({ doc: PROJECT, view: 'project' });
		expect(hereOf('/orgs', 'acme', undefined)).toBeUndefined();
		expect(hereOf('/account', 'acme', undefined)).toBeUndefined();
	});

	it('lists who is on this page once each (earliest first) and who is elsewhere, by page or project', () => {
		const docs = [
			{
				doc: ORG,
				peers: [
					peer(1, 'dave', 'members', 300),
					peer(2, 'bob', 'members', 200),
					peer(3, 'erin', 'teams', 100),
					peer(4, 'bob', 'members', 250)
				]
			},
			{ doc: PROJECT, peers: [peer(5, 'carol', 'project', 50), peer(6, 'dave', 'project', 10)] }
		];
		const { here, elsewhere } = whoIsWhere(docs, { doc: ORG, view: 'members' }, (id) => `Project ${id}`);
		expect(here.map((p) => [p.username, p.since])).toEqual([
			['bob', 200],
			['dave', 300]
		]);
		expect(elsewhere.map((p) => [p.username, p.where])).toEqual([
			['carol', 'Project web'],
			['erin', 'Teams']
		]);
		const onProject = whoIsWhere(docs, { doc: PROJECT, view: 'project' }, () => 'Web');
		expect(onProject.here.map((p) => p.username)).toEqual(['dave', 'carol']);
	});

	it("words a row's editors from this client's names", () => {
		const peers = [peer(1, 'bob', 'members', 1, { what: 'memberRole', id: 'carol' }), peer(2, 'dave', 'members', 1)];
		expect(editorsOf(peers, 'memberRole', 'carol').map((p) => p.state.user.id)).toEqual(['bob']);
		expect(editorsOf(peers, 'projectRoles', 'carol')).toEqual([]);
		expect(editingSentence(['bob'], 'memberRole', 'carol')).toBe("bob is changing carol's role");
		expect(editingSentence(['bob'], 'memberRole', 'carol', true)).toBe('bob is changing your role');
		expect(editingSentence(['bob', 'dave'], 'projectRoles', 'team Ops')).toBe("bob and dave are changing team Ops's roles");
		expect(editingSentence(['bob', 'dave', 'erin'], 'teamName', 'Ops')).toBe('bob, dave and erin are renaming Ops');
		expect([initials('Bob Stone'), initials('bob'), initials('ann.lee-x')]).toEqual(['BS', 'B', 'AL']);
	});
});
