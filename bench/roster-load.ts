import { performance } from 'node:perf_hooks';
import type WebSocket from 'ws';
import * as Y from 'yjs';
import type { Mutation } from '../src/lib/domain/index.ts';
import { decodeSyncFrame, step1Frame, SYNC_STEP2 } from '../src/lib/protocol/frames.ts';
import { orgDocId } from '../src/lib/protocol/messages.ts';
import { firstMessage, mapLimit, openSocket, within } from './clients.ts';
import type { LoadTarget } from './harness.ts';
import { startInstances } from './instances.ts';
import { InFlight, observeTeams, teamName } from './observer.ts';
import { closedBy } from './proc.ts';
import { listen, mutator, signUp, type Client } from './roster-clients.ts';
import { BASELINE, type Scenario } from './scenarios.ts';

export interface LoadShape {
	clients: number;
	writers: number;
	log: (line: string) => void;
}

/** The Roster server under load, and what another process needs to open one more socket as one of its users (a noisy neighbour). */
export interface RosterTarget extends LoadTarget {
	readonly orgId: string;
	readonly url: string;
	userId(client: number): string;
	cookie(client: number): string;
	/** A client's socket, subscribed to its organization's document (to send more than mutations on it: presence). */
	socket(client: number): WebSocket;
}

type Part = 'writer' | 'passive' | 'observer';

/** Where a client goes: its organization and instance (indexes from 0), and what it does. */
interface Place {
	org: number;
	instance: number;
	part: Part;
}

const orgIdOf = (orgs: number, k: number) => (orgs === 1 ? 'bench-org' : `bench-org-${k}`);
const teamIdOf = (w: number) => `bench-team-${w}`;

/**
 * Clients 0 … W-1 write (W: the shape's writers, at least one per organization; writer w in
 * organization w mod orgs), the last `orgs` clients observe (one per organization), the rest are
 * passive members spread over the organizations and instances. Organization k's observer is on
 * instance 2 for k = 0 (then the next instance for the next organization), its writers on the
 * other instances, so that every observed change crossed from one instance to another.
 */
function layout(shape: LoadShape, s: Scenario): Place[] {
	const writers = Math.max(shape.writers, s.orgs);
	if (shape.clients < writers + s.orgs) throw new Error(`need ${writers + s.orgs} clients for ${writers} writers and ${s.orgs} observers`);
	const n = s.instances;
	const observerOn = (k: number) => (k + 1) % n;
	return Array.from({ length: shape.clients }, (_, i): Place => {
		if (i < writers) {
			const org = i % s.orgs;
			const nth = Math.floor(i / s.orgs);
			return { org, part: 'writer', instance: n === 1 ? 0 : (observerOn(org) + 1 + (nth % (n - 1))) % n };
		}
		const observer = i - (shape.clients - s.orgs);
		if (observer >= 0) return { org: observer, part: 'observer', instance: observerOn(observer) };
		return { org: i % s.orgs, part: 'passive', instance: i % n };
	});
}

/**
 * Starts the scenario's Roster servers (bench/instances.ts), signs up `clients` users on the first,
 * has user 0 create the organizations and add everyone to theirs as an owner, and a team for each
 * writer; connects every user to /sync on its instance and subscribes it to its organization's
 * document (the observers last, so that a broadcast reaches them last). Each change is a writer
 * renaming its own team, so none is ever refused.
 */
export async function startRoster(shape: LoadShape, options: { scenario?: Scenario; serverArgs?: string[] } = {}): Promise<RosterTarget> {
	const scenario = options.scenario ?? BASELINE;
	const places = layout(shape, scenario);
	const writers = places.filter((p) => p.part === 'writer').length;
	const instances = await startInstances(scenario, [...(options.serverArgs ?? []), ...signUpArgs(shape.clients)], shape.log);
	const clients: Client[] = [];
	const stop = async () => {
		for (const c of clients) c.ws.terminate();
		await instances.stop();
	};
	return closedBy(stop, async () => {
		const { bases, died } = instances;
		let t = performance.now();
		const accounts = await within(
			mapLimit(places, 4, (_, i) => signUp(bases[0]!, `bench${String(i).padStart(3, '0')}`)),
			60_000,
			'signing up',
			died
		);
		shape.log(`roster: signed up ${accounts.length} users in ${((performance.now() - t) / 1000).toFixed(1)} s`);

		t = performance.now();
		let received = 0;
		const urls = bases.map((b) => `${b.replace(/^http/, 'ws')}/sync`);
		const sockets = await within(
			mapLimit(accounts, 20, (a, i) => openSocket(urls[places[i]!.instance]!, { cookie: a.cookie })),
			20_000,
			'connecting',
			died
		);
		accounts.forEach((a, i) => {
			const client: Client = { ...a, ws: sockets[i]!, pending: new Map() };
			listen(client, () => received++, shape.log);
			clients.push(client);
		});

		const { mutate, mutateOk } = mutator();
		const admin = clients[0]!;
		const orgIds = Array.from({ length: scenario.orgs }, (_, k) => orgIdOf(scenario.orgs, k));
		const setUp = (what: string, mutations: Mutation[]) =>
			within(Promise.all(mutations.map((m) => mutateOk(admin, m))), 30_000, what, died);
		await setUp(
			'org.create',
			orgIds.map((orgId): Mutation => ({ type: 'org.create', orgId, name: `Bench ${orgId}` }))
		);
		await setUp(
			'member.add',
			clients
				.slice(1)
				.map((c, i): Mutation => ({ type: 'member.add', orgId: orgIds[places[i + 1]!.org]!, username: c.username, role: 'ORG_OWNER' }))
		);
		await setUp(
			'team.create',
			places
				.slice(0, writers)
				.map((p, w): Mutation => ({ type: 'team.create', orgId: orgIds[p.org]!, teamId: teamIdOf(w), name: teamName(w, 0) }))
		);

		const inFlight = new InFlight(writers);
		const subscribe = (parts: Part[]) =>
			within(
				Promise.all(
					clients.flatMap((c, i) => {
						const place = places[i]!;
						if (!parts.includes(place.part)) return [];
						const docId = orgDocId(orgIds[place.org]!);
						const subscribed = firstMessage(c.ws, (data, isBinary) => (isBinary && isStep2(data, docId) ? true : undefined));
						const replica = place.part === 'observer' ? observeTeams(c.ws, docId, (w, n) => inFlight.observed(w, n)) : new Y.Doc();
						c.ws.send(step1Frame(docId, replica));
						return [subscribed];
					})
				),
				20_000,
				'subscribing',
				died
			);
		await subscribe(['writer', 'passive']);
		await subscribe(['observer']);
		shape.log(
			`roster: ${clients.length} sockets on ${bases.length} instance(s), ${scenario.orgs} organization(s) of owners, ${writers} writers, all subscribed in ${((performance.now() - t) / 1000).toFixed(1)} s`
		);

		const renames = Array.from({ length: writers }, () => 0);
		return {
			name: 'roster',
			orgId: orgIds[0]!,
			userId: (i) => clients[i]!.userId,
			url: urls[0]!,
			cookie: (i) => clients[i]!.cookie,
			socket: (i) => clients[i]!.ws,
			writers,
			measures: ['verdict', 'observer'],
			received: () => received,
			serverCpu: instances.cpu,
			send(w, done) {
				const n = ++renames[w]!;
				const mutation: Mutation = { type: 'team.rename', orgId: orgIds[places[w]!.org]!, teamId: teamIdOf(w), name: teamName(w, n) };
				let verdict: (ok: boolean) => void = () => {};
				const sentAt = mutate(clients[w]!, mutation, (ok) => verdict(ok));
				verdict = inFlight.add(w, n, sentAt, done);
			}
		};
	});
}

/** Every client signs up from this one address; sign-ups are set-up, not what is measured, so cheap hashes do. */
const signUpArgs = (clients: number) => ['--sign-ups-per-hour', String(clients), '--password-cost', '10'];

function isStep2(data: Buffer, docId: string): boolean {
	try {
		const frame = decodeSyncFrame(data);
		return frame.doc === docId && frame.kind === SYNC_STEP2;
	} catch {
		return false;
	}
}
