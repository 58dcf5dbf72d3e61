import { orgDocId, parseDocId, projectDocId } from '../protocol/messages.ts';
import type { Editing } from '../protocol/presence.ts';
import type { Peer } from './presence-peers.svelte.ts';
import type { View } from './presence.svelte.ts';
import { VIEW_LABELS } from './presence-words.ts';

/** The page and document an organization route is about, or undefined for a route without presence. */
export function hereOf(routeId: string | null, orgId: string, projectId: string | undefined): { doc: string; view: View } | undefined {
	const page = routeId?.replace(/^\/orgs\/\[orgId\]\/?/, '');
	if (page === undefined || routeId === page) return undefined;
	if (page === 'projects/[projectId]') return projectId ? { doc: projectDocId(orgId, projectId), view: 'project' } : undefined;
	const view = ({ '': 'members', 'billing/invoices/[invoiceId]': 'billing' } as Record<string, View>)[page] ?? page;
	return view in VIEW_LABELS ? { doc: orgDocId(orgId), view: view as View } : undefined;
}

/** One person present, however many browsers they are in: the earliest `since` and the state of the one seen first. */
export interface Person {
	userId: string;
	name: string;
	username: string;
	since: number;
	editing: Editing | null;
	/** Where they are, for those elsewhere: "Teams", or a project's name. */
	where: string;
}

/**
 * Who is on this page (same document, same view) and who is elsewhere in the organization, from
 * the documents' presence. `projectName` looks a project up in this client's copy.
 */
export function whoIsWhere(
	docs: readonly { doc: string; peers: readonly Peer[] }[],
	here: { doc: string; view: View },
	projectName: (projectId: string) => string
): { here: Person[]; elsewhere: Person[] } {
	const found = { here: new Map<string, Person>(), elsewhere: new Map<string, Person>() };
	for (const { doc, peers } of docs) {
		const projectId = parseDocId(doc)?.projectId;
		for (const { state } of peers) {
			const isHere = doc === here.doc && state.view === here.view;
			const where = projectId === undefined ? VIEW_LABELS[state.view] : projectName(projectId);
			const list = isHere ? found.here : found.elsewhere;
			const known = list.get(state.user.id);
			if (known && known.since <= state.since) continue;
			list.set(state.user.id, {
				userId: state.user.id,
				name: state.user.name,
				username: state.user.username,
				since: state.since,
				editing: state.editing ?? null,
				where
			});
		}
	}
	for (const id of found.here.keys()) found.elsewhere.delete(id);
	const bySince = (a: Person, b: Person) => a.since - b.since || a.username.localeCompare(b.username);
	return { here: [...found.here.values()].sort(bySince), elsewhere: [...found.elsewhere.values()].sort(bySince) };
}

/** The peers editing one row. */
export const editorsOf = (peers: readonly Peer[], what: Editing['what'], id: string) =>
	peers.filter((p) => p.state.editing?.what === what && p.state.editing.id === id);
