import { expect } from 'vitest';
import * as Y from 'yjs';
import { orgMaps, type OrgRole } from '$lib/domain/index.ts';
import { orgDocId } from '$lib/protocol/messages.ts';
import { signUp, type TestClient } from '../server/test-client.ts';
import { within } from '../fuzz/fuzz-run.ts';
import { connect, user, type Deployment } from './deployment.ts';

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A document as the store holds it (every committed update, whichever instance wrote it). */
export async function storedDoc(d: Deployment, docId: string): Promise<Y.Doc> {
	const doc = new Y.Doc();
	for (const row of await d.documents.docUpdates(docId)) Y.applyUpdate(doc, row.data);
	return doc;
}

/**
 * Each document the client holds becomes the store's, byte for byte: awaited until its state
 * vector is the store's (updates from other instances arrive by the log), then compared whole.
 * Read the store once every verdict is in, so that it holds everything there is.
 */
export async function expectReplicaEqualsStore(d: Deployment, client: TestClient, who: string) {
	expect(client.docs.size, `${who} holds documents`).toBeGreaterThan(0);
	for (const [docId, doc] of client.docs) {
		const stored = await storedDoc(d, docId);
		const vector = hex(Y.encodeStateVector(stored));
		await within(
			client.until(() => hex(Y.encodeStateVector(doc)) === vector),
			`${who}'s ${docId} to reach the store's state vector`
		);
		expect(hex(Y.encodeStateAsUpdate(doc)), `${who}'s ${docId}`).toBe(hex(Y.encodeStateAsUpdate(stored)));
	}
}

export const teamIds = (doc: Y.Doc | undefined) => (doc ? [...orgMaps(doc).teams.keys()].sort() : []);

/**
 * Alice creates `acme` on instance 0 and adds each other name with its role; each then connects
 * to the instance given, whose welcome lists the organization.
 */
export async function acmeAcross<K extends string>(d: Deployment, members: Record<K, { role: OrgRole; on: number }>) {
	const alice = await user(d, 'alice', 0);
	expect(await alice.client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject({ ok: true });
	const users = {} as Record<K, Awaited<ReturnType<typeof user>>>;
	for (const [name, { role, on }] of Object.entries(members) as [K, { role: OrgRole; on: number }][]) {
		const account = await signUp(d.instances.base(on), name);
		expect(await alice.client.mutate({ type: 'member.add', orgId: 'acme', username: name, role })).toMatchObject({ ok: true });
		const client = await connect(d, account.cookie, on);
		// Its instance may learn of the add from the log a moment after the welcome: then it grants acme on the open socket.
		await within(
			client.until(() => client.org('acme').members[account.user.id]?.role === role),
			`${name}, connected to instance ${on} after being added on instance 0, is sent acme`
		);
		users[name] = { ...account, client };
	}
	return { alice, ...users, doc: orgDocId('acme') };
}
