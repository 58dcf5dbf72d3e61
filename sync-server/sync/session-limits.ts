import { Id, type Refusal } from '$lib/domain/index.ts';
import { CLOSE, parseDocId } from '$lib/protocol/messages.ts';
import type { OrgSessions } from '../org-sessions.ts';
import type { AccessSync } from './access-sync.ts';
import type { Connections } from './connections.ts';
import type { Rooms } from './rooms.ts';

/**
 * Sessions as the connections see them: Roster's own limits close a socket; an organization's
 * timeouts (rules §2, decided by the domain's session policy) take back its documents.
 */
export class SessionLimits {
	constructor(
		private readonly connections: Connections,
		private readonly rooms: Rooms,
		private readonly orgSessions: OrgSessions,
		private readonly access: AccessSync
	) {}

	/**
	 * Why this session may no longer act on or read this organization, if so; else its action
	 * counts as activity there. Once refused, the organization's documents are taken back from
	 * every socket of the session.
	 */
	async enterOrg(sessionHash: string, userId: string, orgId: string): Promise<Refusal | undefined> {
		await this.rooms.load(orgId);
		const refusal = await this.orgSessions.enter(sessionHash, userId, orgId);
		if (refusal) this.access.revokeOrg(sessionHash, userId, orgId, refusal);
		return refusal;
	}

	/** A mutation sent with a session (a socket's, a request's) is first held to its organization's session timeouts. */
	async mutationRefusal(userId: string, body: unknown, sessionHash: string | undefined): Promise<Refusal | undefined> {
		const orgId = (body as { orgId?: unknown } | null)?.orgId;
		return sessionHash && Id.safeParse(orgId).success ? this.enterOrg(sessionHash, userId, orgId as string) : undefined;
	}

	/** Why this session may no longer reach this (loaded) organization, counting nothing as activity; refused, it is taken back as by enterOrg. */
	async refusal(sessionHash: string, userId: string, orgId: string): Promise<Refusal | undefined> {
		await this.orgSessions.prepare(sessionHash, userId, orgId);
		const refusal = this.orgSessions.refusal(sessionHash, userId, orgId);
		if (refusal) this.access.revokeOrg(sessionHash, userId, orgId, refusal);
		return refusal;
	}

	/**
	 * For sockets that only listen: closes those whose session ended (Roster's own limits), and
	 * takes back the documents of each organization whose timeout passed for their session.
	 */
	async sweep(live: (sessionHash: string) => boolean | Promise<boolean>) {
		await this.orgSessions.refresh();
		for (const conn of [...this.connections.all()]) {
			// One opened with a credential other than a session (a service account's secret) is asked whether that still holds.
			if (!(await (conn.credential ? conn.credential.holds() : live(conn.sessionHash)))) {
				conn.closeEnded();
				continue;
			}
			const orgIds = new Set([...conn.docs].flatMap((docId) => parseDocId(docId)?.orgId ?? []));
			for (const orgId of orgIds) {
				const refusal = this.orgSessions.refusal(conn.sessionHash, conn.userId, orgId);
				if (refusal) this.access.revokeOrg(conn.sessionHash, conn.userId, orgId, refusal);
			}
		}
	}

	/** Closes every socket opened with a session that has just ended, saying why (`close`). */
	end(sessionHash: string, close: { code: number; reason: string } = CLOSE.unauthenticated) {
		this.orgSessions.forget(sessionHash);
		for (const conn of this.connections.all()) {
			if (conn.sessionHash === sessionHash) conn.socket.close(close.code, close.reason);
		}
	}
}
