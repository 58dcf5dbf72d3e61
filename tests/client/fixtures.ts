import 'fake-indexeddb/auto';
import * as Y from 'yjs';
import { memberOf, type Change, applyChanges, type OrgRole } from '../../src/lib/domain/index.ts';
import { RosterDb } from '../../src/lib/client/db.ts';
import { OrgModel } from '../../src/lib/client/org-model.svelte.ts';
import { Outbox } from '../../src/lib/client/outbox.svelte.ts';
import { Replicas } from '../../src/lib/client/replicas.ts';
import { orgDocId } from '../../src/lib/protocol/messages.ts';
import { NOW, ORG_ID, id, orgWith, profile, type Fixture } from '../unit/factories.ts';

export { ORG_ID, id, profile };
export const DOC = orgDocId(ORG_ID);

/**
 * The server's copy of an organization (the unit tests' fixture) and a client's parts over one
 * fake IndexedDB: `sync()` sends the client what the server's document holds that it lacks.
 */
export class ClientFixture {
	readonly server: Fixture;
	readonly user = profile('ann');
	db: RosterDb;
	replicas: Replicas;
	outbox: Outbox;
	private static n = 0;
	private readonly dbUser = `client-test-${++ClientFixture.n}`;

	constructor(members: { username: string; role: OrgRole }[]) {
		this.server = orgWith({ primaryAdmin: 'ann', members, verified: members.map((m) => m.username) });
		this.db = new RosterDb(this.dbUser);
		this.replicas = new Replicas(this.db);
		this.outbox = new Outbox(this.db);
	}

	/** Sends the server's document as an update would arrive: only what the client lacks. */
	async sync() {
		const replica = this.replicas.get(ORG_ID);
		const vector = replica ? Y.encodeStateVector(replica.doc) : undefined;
		await this.replicas.applyRemote(DOC, Y.encodeStateAsUpdate(this.server.doc, vector));
	}

	/** Changes the server's document directly, as another client's accepted mutation would. */
	serverApplies(...changes: Change[]) {
		applyChanges(this.server.state, changes, 'test');
	}

	member(username: string, role: OrgRole = 'ORG_MEMBER') {
		return memberOf(profile(username), role, NOW);
	}

	model() {
		return new OrgModel({ user: this.user, replicas: this.replicas, outbox: this.outbox }, ORG_ID);
	}

	/** A new tab over the same database: fresh parts that load what the last one stored. */
	async reload() {
		this.db.close();
		this.db = new RosterDb(this.dbUser);
		this.replicas = new Replicas(this.db);
		this.outbox = new Outbox(this.db);
		await this.replicas.loadAll();
		await this.outbox.load();
	}
}
