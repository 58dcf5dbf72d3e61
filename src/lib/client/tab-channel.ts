import { z } from 'zod';
import { decodeSyncFrame, encodeSyncFrame, SYNC_STEP1, type SyncFrame } from '../protocol/frames.ts';
import { ServerMessage } from '../protocol/messages.ts';
import { Mutation, REFUSAL_CODES } from '../domain/index.ts';
import { ClientPresence } from '../protocol/presence.ts';

/** What the page shows of the link to the sync server; `outdated`: the server speaks another protocol version. */
export const ConnectionStatus = z.enum(['connecting', 'online', 'offline', 'signed-out', 'outdated']);
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

/** A sync frame as bytes on the channel, decoded here: a malformed one does not parse. */
const Frame = z
	.custom<Uint8Array>((v) => v instanceof Uint8Array)
	.transform((bytes, ctx): SyncFrame => {
		try {
			return decodeSyncFrame(bytes);
		} catch {
			ctx.addIssue({ code: 'custom', message: 'malformed sync frame' });
			return z.NEVER;
		}
	});

/**
 * What the tabs of one user say to each other. The leader (the tab holding the socket) forwards
 * what the server sends and its connection status; any tab says when it wrote the outbox; a
 * follower asks the leader to send a sync request (step 1, the only frame a client sends).
 */
export const TabMessage = z.discriminatedUnion('t', [
	// A tab opened: the leader answers with its status.
	z.object({ t: z.literal('hello') }),
	z.object({ t: z.literal('status'), status: ConnectionStatus, detail: z.string() }),
	// How much longer the session's last two-factor code holds, for a tab that opened after the welcome said so.
	z.object({ t: z.literal('step-up'), validForMs: z.number().int().nonnegative() }),
	z.object({ t: z.literal('server'), message: ServerMessage }),
	z.object({ t: z.literal('frame'), frame: Frame }),
	z.object({ t: z.literal('send'), frame: Frame.refine((f) => f.kind === SYNC_STEP1, 'only sync requests are sent for another tab') }),
	// The outbox in IndexedDB changed: every other tab reloads it.
	z.object({ t: z.literal('outbox') }),
	// An entry IndexedDB would not take in a tab that does not lead (a full disk): the leader keeps and sends it.
	z.object({
		t: z.literal('not-stored'),
		entry: z.strictObject({
			id: z.string().min(1).max(64),
			seq: z.number(),
			orgId: z.string(),
			mutation: Mutation,
			status: z.enum(['pending', 'refused']),
			code: z.enum(REFUSAL_CODES).optional(),
			message: z.string().optional(),
			createdAt: z.number(),
			v: z.number().optional()
		})
	}),
	// A follower's presence for the leader to send if it is the tab the person looks at (seenAt: when last visible or focused).
	z.object({
		t: z.literal('presence'),
		tab: z.string().min(1).max(64),
		seenAt: z.number(),
		here: z.strictObject({ doc: z.string().max(200), state: ClientPresence }).nullable()
	}),
	// A follower closed: its presence no longer counts.
	z.object({ t: z.literal('presence-gone'), tab: z.string().min(1).max(64) }),
	// The user signed out in a tab: every tab stops and lets the local data go.
	z.object({ t: z.literal('signed-out') })
]);
export type TabMessage = z.infer<typeof TabMessage>;
/** What is posted: frames travel as their bytes. */
export type TabPost = z.input<typeof TabMessage>;
export type TabPresence = Extract<TabMessage, { t: 'presence' | 'presence-gone' }>;

export const frameBytes = (f: SyncFrame) => encodeSyncFrame(f.doc, f.kind, f.payload);

const channelName = (userId: string) => `roster-${userId}`;

/** The BroadcastChannel of one user's tabs in this browser; what does not parse is ignored. */
export class TabChannel {
	private readonly channel: BroadcastChannel;
	private closed = false;

	constructor(userId: string, receive: (m: TabMessage) => void) {
		this.channel = new BroadcastChannel(channelName(userId));
		this.channel.onmessage = (event: MessageEvent<unknown>) => {
			const parsed = TabMessage.safeParse(event.data);
			if (parsed.success) receive(parsed.data);
			else console.warn('Ignored a message from another tab', parsed.error.issues[0]?.message);
		};
	}

	/** Nothing is posted once closed (a stopping tab still reports its last status). */
	post(message: TabPost) {
		if (!this.closed) this.channel.postMessage(message);
	}

	close() {
		this.closed = true;
		this.channel.close();
	}
}

/** Tells the user's other tabs that they signed out (this tab may have no session, e.g. offline at start). */
export function announceSignOut(userId: string) {
	const channel = new BroadcastChannel(channelName(userId));
	channel.postMessage({ t: 'signed-out' } satisfies TabPost);
	channel.close();
}
