import type pg from 'pg';
import { parseDocId } from '$lib/protocol/messages.ts';
import type { StoreBatch } from '../documents.ts';
import { CHANNEL, joinedPayload } from './pg-watch.ts';
import { prepared } from './pool.ts';

/** The change writes of a batch reduced to the last per key (what applying them in order leaves). */
function lastByKey<T>(writes: readonly T[], key: (w: T) => string): T[] {
	return [...new Map(writes.map((w) => [key(w), w])).values()];
}

/** Sequence numbers each organization of the batch needs: one per update, or one for changes without updates. */
function seqsNeeded(batch: StoreBatch): Map<string, number> {
	const needed = new Map<string, number>();
	for (const u of batch.updates) needed.set(u.orgId, (needed.get(u.orgId) ?? 0) + 1);
	for (const c of batch.changes) if (!needed.has(c.orgId)) needed.set(c.orgId, 1);
	return needed;
}

/** Who became a member of the organization in the batch: told to other servers, which may hold their sockets. */
function joinedIn(batch: StoreBatch, orgId: string): string[] {
	return batch.memberships.flatMap((m) => (m.member && parseDocId(m.docId)?.orgId === orgId ? [m.userId] : []));
}

/**
 * Wakes the other servers once the batch is committed: a statement of its own after the commit,
 * since a NOTIFY inside the writing transaction takes PostgreSQL's one notification lock through
 * that commit's flush and so serializes every server's commits. Lost if this server dies between
 * the two: the others' periodic catch-up reads it then.
 */
export async function notifyCommitted(c: pg.PoolClient, batch: StoreBatch, instanceId: string): Promise<void> {
	const orgs = orgsOf(batch);
	if (!orgs.length) return;
	await c.query(
		prepared(`select pg_notify($1, $2 || ' ' || o || ' ' || j) from unnest($3::text[], $4::text[]) as t(o, j)`, [
			CHANNEL,
			instanceId,
			orgs,
			orgs.map((orgId) => joinedPayload(joinedIn(batch, orgId)))
		])
	);
}

/** The organizations whose log a batch appends to. */
export const orgsOf = (batch: StoreBatch) => [...seqsNeeded(batch).keys()];

/**
 * Writes a batch inside the caller's transaction (which holds the organizations' locks), in a
 * few statements: the heads bumped, compactions, updates, changes, mutation records, then the
 * indexes. Returns each update's sequence number. A mutation recorded already fails the
 * statement, so the caller rolls back.
 */
export async function writeBatch(c: pg.PoolClient, batch: StoreBatch): Promise<number[]> {
	const needed = seqsNeeded(batch);
	const next = new Map<string, number>();
	if (needed.size) {
		const { rows } = await c.query<{ org_id: string; seq: number }>(
			prepared(
				`insert into org_heads (org_id, seq) select * from unnest($1::text[], $2::bigint[])
			on conflict (org_id) do update set seq = org_heads.seq + excluded.seq returning org_id, seq`,
				[[...needed.keys()], [...needed.values()]]
			)
		);
		for (const r of rows) next.set(r.org_id, r.seq - needed.get(r.org_id)! + 1);
	}
	const seqs = batch.updates.map((u) => {
		const seq = next.get(u.orgId)!;
		next.set(u.orgId, seq + 1);
		return seq;
	});
	const compacted = batch.updates.filter((u) => u.compactUpTo !== undefined);
	if (compacted.length) {
		await c.query(
			prepared(
				`delete from doc_updates d using unnest($1::text[], $2::text[], $3::bigint[]) as k(org_id, doc_id, upto)
			 where d.org_id = k.org_id and d.doc_id = k.doc_id and d.seq <= k.upto`,
				[compacted.map((u) => u.orgId), compacted.map((u) => u.docId), compacted.map((u) => u.compactUpTo)]
			)
		);
	}
	if (batch.updates.length) {
		await c.query(
			prepared(
				'insert into doc_updates (org_id, seq, doc_id, data) select * from unnest($1::text[], $2::bigint[], $3::text[], $4::bytea[])',
				[
					batch.updates.map((u) => u.orgId),
					seqs,
					batch.updates.map((u) => u.docId),
					batch.updates.map((u) => Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength))
				]
			)
		);
	}
	if (batch.changes.length) {
		// Numbered by the organization's last sequence in the batch: `next` is now one past it.
		await c.query(
			prepared('insert into org_changes (org_id, seq, body, at) select * from unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[])', [
				batch.changes.map((ch) => ch.orgId),
				batch.changes.map((ch) => next.get(ch.orgId)! - 1),
				batch.changes.map((ch) => JSON.stringify(ch.entries)),
				batch.changes.map((ch) => ch.at)
			])
		);
	}
	await writeRecords(c, batch);
	return seqs;
}

async function writeRecords(c: pg.PoolClient, batch: StoreBatch) {
	const m = batch.mutations;
	if (m.length) {
		await c.query(
			prepared(
				`insert into mutations (user_id, id, org_id, type, body, ok, code, message, at, names)
			 select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[], $8::text[], $9::bigint[], $10::text[])`,
				(['userId', 'id', 'orgId', 'type', 'body', 'ok', 'code', 'message', 'at', 'names'] as const).map((column) =>
					m.map((r) => r[column])
				)
			)
		);
	}
	const invitations = lastByKey(batch.invitations, (i) => JSON.stringify([i.orgId, i.projectId, i.inviteId]));
	const gone = invitations.filter((i) => i.email === undefined);
	const put = invitations.filter((i) => i.email !== undefined);
	if (gone.length) {
		await c.query(
			prepared(
				`delete from invitations i using unnest($1::text[], $2::text[], $3::text[]) as k(org_id, project_id, invite_id)
			 where i.org_id = k.org_id and i.project_id = k.project_id and i.invite_id = k.invite_id`,
				[gone.map((i) => i.orgId), gone.map((i) => i.projectId), gone.map((i) => i.inviteId)]
			)
		);
	}
	if (put.length) {
		await c.query(
			prepared(
				`insert into invitations (org_id, project_id, invite_id, email) select * from unnest($1::text[], $2::text[], $3::text[], $4::text[])
			 on conflict (org_id, project_id, invite_id) do update set email = excluded.email`,
				[put.map((i) => i.orgId), put.map((i) => i.projectId), put.map((i) => i.inviteId), put.map((i) => i.email!.trim())]
			)
		);
	}
	const memberships = lastByKey(batch.memberships, (w) => JSON.stringify([w.userId, w.docId]));
	if (memberships.length) {
		await c.query(
			prepared(
				`with k as (select * from unnest($1::text[], $2::text[], $3::boolean[]) as k(user_id, doc_id, member)),
			 removed as (delete from memberships m using k where not k.member and m.user_id = k.user_id and m.doc_id = k.doc_id)
			 insert into memberships (user_id, doc_id) select user_id, doc_id from k where member on conflict do nothing`,
				[memberships.map((w) => w.userId), memberships.map((w) => w.docId), memberships.map((w) => w.member)]
			)
		);
	}
	const webhooks = lastByKey(batch.webhooks, (w) => w.orgId);
	if (webhooks.length) {
		await c.query(
			prepared(
				`with k as (select * from unnest($1::text[], $2::text[]) as k(org_id, url)),
			 removed as (delete from org_webhooks w using k where k.url is null and w.org_id = k.org_id)
			 insert into org_webhooks (org_id, url) select org_id, url from k where url is not null
			 on conflict (org_id) do update set url = excluded.url`,
				[webhooks.map((w) => w.orgId), webhooks.map((w) => w.url)]
			)
		);
	}
}
