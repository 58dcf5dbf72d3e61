/**
 * A noisy neighbour, in its own process so that its sending never slows the bench's clients:
 * `node --import tsx bench/flooder.ts <ws url> <cookie> <junk|refused|valid> <orgId> <userId>`.
 * Sends as fast as the server reads, reconnects whenever the server closes the socket, and on
 * SIGTERM prints how many frames it sent and how often it was closed (by code).
 */
import WebSocket from 'ws';

const [url, cookie, kind, orgId, userId] = process.argv.slice(2) as [string, string, string, string, string];
/** Kept queued on this side of the socket: the server's reading, not this process, sets the pace. */
const QUEUE_BYTES = 256 * 1024;
const run = Math.random().toString(36).slice(2, 8);

const mutate = (i: number, mutation: object) => JSON.stringify({ t: 'mutate', id: `flood-${run}-${i}`, mutation });
/** Unreadable text, mutations the rules refuse, or accepted ones (a member's role flipped back and forth, broadcast to every member). */
const frame: (i: number) => string =
	kind === 'junk'
		? (i) => `not json ${i}`
		: kind === 'refused'
			? (i) => mutate(i, { type: 'member.remove', orgId, userId: 'nobody' })
			: (i) => mutate(i, { type: 'member.setRole', orgId, userId, role: i % 2 ? 'ORG_MEMBER' : 'ORG_READ_ONLY' });

let sent = 0;
const closes = new Map<number, number>();
let ws: WebSocket | undefined;
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

process.once('SIGTERM', () => {
	ws?.terminate();
	console.log(`flood sent ${sent} closes ${[...closes].map(([code, n]) => `${code}×${n}`).join(',') || 'none'}`);
	process.exit(0);
});

for (;;) {
	const socket = new WebSocket(url, { headers: { cookie }, perMessageDeflate: false });
	ws = socket;
	let open = false;
	let closed = false;
	socket.on('open', () => (open = true));
	socket.on('error', () => socket.terminate());
	socket.on('close', (code) => {
		closed = true;
		closes.set(code, (closes.get(code) ?? 0) + 1);
	});
	while (!open && !closed) await sleep(5);
	if (open) console.log('flooding');
	while (!closed) {
		// A burst at most a few milliseconds long, so that this process still reads (and hears a close).
		for (let n = 0; n < 2000 && socket.readyState === WebSocket.OPEN && socket.bufferedAmount < QUEUE_BYTES; n++)
			socket.send(frame(sent++));
		await sleep(1);
	}
	await sleep(20);
}
