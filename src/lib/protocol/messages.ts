import { z } from 'zod';
import { REFUSAL_CODES, UserProfile } from '../domain/index.ts';

/** Bumped when a message changes shape; the server closes a socket that speaks another version. */
export const PROTOCOL_VERSION = 1;

/** Largest frame either side accepts; the server closes the socket (1009) on a larger one. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * Text frames, client → server, strict like mutations: an unknown field is refused, not
 * ignored. The mutation is parsed on its own so a bad one gets its own refusal. A client's
 * mutation id has no `:`, which every id the server submits under on a user's behalf holds
 * (`accept:…`, `card:…`), so the two never meet in the idempotency record.
 */
export const ClientMessage = z.discriminatedUnion('t', [
	z.strictObject({ t: z.literal('mutate'), id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/), mutation: z.unknown() })
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export const Verdict = z.union([
	z.object({ t: z.literal('verdict'), id: z.string(), ok: z.literal(true) }),
	z.object({
		t: z.literal('verdict'),
		id: z.string(),
		ok: z.literal(false),
		code: z.enum(REFUSAL_CODES),
		message: z.string()
	})
]);
export type VerdictMessage = z.infer<typeof Verdict>;

/** Text frames, server → client. */
/** Why a session's documents of an organization were taken back (the session itself stays). */
export const RevokedCode = z.enum(['SESSION_EXPIRED', 'SSO_REQUIRED']);

/** The revoked frame's code for a refusal of a session's access to an organization. */
export const revokedCode = (refusal: { code: string }) => (refusal.code === 'SSO_REQUIRED' ? 'SSO_REQUIRED' : 'SESSION_EXPIRED');

export const ServerMessage = z.union([
	z.object({
		t: z.literal('welcome'),
		protocol: z.number(),
		user: UserProfile,
		docs: z.array(z.string()),
		/** How much longer this session's last two-factor code confirms sensitive changes (0: ask for one). */
		stepUpValidForMs: z.number()
	}),
	Verdict,
	/**
	 * The user may no longer read this document: drop it. SESSION_EXPIRED: an organization's session timeout passed;
	 * SSO_REQUIRED: the organization requires single sign-on and this session was signed in otherwise.
	 */
	z.object({ t: z.literal('revoked'), doc: z.string(), reason: z.string(), code: RevokedCode.optional() }),
	/** A frame that was not understood at all (its mutation, if any, got no verdict). */
	z.object({ t: z.literal('error'), code: z.enum(REFUSAL_CODES), message: z.string() })
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** Close codes the server uses, with the reason it sends. */
export const CLOSE = {
	unauthenticated: { code: 4401, reason: 'Not signed in' },
	/** The session ended because its user was deleted: the client says so rather than "sign in again". */
	accountDeleted: { code: 4401, reason: 'Account deleted' },
	badOrigin: { code: 4403, reason: 'Cross-site connection refused' },
	tooLarge: { code: 1009, reason: 'Message larger than 1 MiB' },
	/** Over its budget of frames and bytes (docs/protocol.md, Limits); reconnect after a pause. */
	tooMany: { code: 4429, reason: 'Too many frames: slow down' },
	/** The user has as many sockets open as it may (docs/protocol.md, Limits); close one, e.g. a tab. */
	tooManySockets: { code: 4429, reason: 'Too many connections: close another tab' },
	/** More unsent data than the bound: the client is not reading. */
	slowReader: { code: 4408, reason: 'Not reading fast enough' },
	shutdown: { code: 1001, reason: 'Server shutting down' },
	/** A commit failed (the store could not be reached): nothing unsaved was kept; reconnect and send pending changes again. */
	storeUnavailable: { code: 1013, reason: 'The store is unavailable: try again' },
	/** /yjs/ (stock Yjs clients): the caller may no longer read the socket's document (removed, a role taken away, a session timeout). */
	accessEnded: { code: 4410, reason: 'Access to this document ended' },
	/** /yjs/: the service account secret that opened the socket was revoked or expired, or its account deleted. */
	secretEnded: { code: 4401, reason: 'Service account secret revoked or expired' }
} as const;

/**
 * Document ids: `org:<orgId>` for an organization, `project:<orgId>/<projectId>` for each
 * of its projects, `billing:<orgId>` for its billing (read by billing roles only).
 */
export const orgDocId = (orgId: string) => `org:${orgId}`;
export const projectDocId = (orgId: string, projectId: string) => `project:${orgId}/${projectId}`;
export const billingDocId = (orgId: string) => `billing:${orgId}`;

export function parseDocId(docId: string): { orgId: string; projectId?: string; billing?: true } | undefined {
	const org = /^org:([A-Za-z0-9_-]{1,64})$/.exec(docId);
	if (org) return { orgId: org[1]! };
	const billing = /^billing:([A-Za-z0-9_-]{1,64})$/.exec(docId);
	if (billing) return { orgId: billing[1]!, billing: true };
	const project = /^project:([A-Za-z0-9_-]{1,64})\/([A-Za-z0-9_-]{1,64})$/.exec(docId);
	return project ? { orgId: project[1]!, projectId: project[2]! } : undefined;
}
