import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as ws from 'ws';
import * as Y from 'yjs';
import { step1Frame } from '$lib/protocol/frames.ts';
import { orgDocId } from '$lib/protocol/messages.ts';
import { Budget, DEFAULT_LIMITS, FRAMES_PER_TURN, Inbox } from '../../sync-server/budget.ts';
import { SyncHub } from '../../sync-server/hub.ts';
import { asyncAccounts } from '../../sync-server/storage/accounts.ts';
import { openSqlite } from '../../sync-server/storage/sqlite.ts';

afterEach(() => {
	vi.useRealTimers();
});

function inbox(limits: Partial<typeof DEFAULT_LIMITS>) {
	vi.useFakeTimers();
	const handled: string[] = [];
	const io: string[] = [];
	const box = new Inbox(new Budget({ ...DEFAULT_LIMITS, ...limits }, () => Date.now()), {
		handle: (frame) => handled.push(frame as string),
		pause: () => io.push('pause'),
		resume: () => io.push('resume'),
		overflow: () => io.push('overflow')
	});
	return { box, handled, io };
}

describe('Inbox', () => {
	it('handles frames within the budget at once; the rest wait, in order, with reading paused until the budget refills', () => {
		const { box, handled, io } = inbox({ framesPerSecond: 10, frameBurst: 3, waitingFrames: 5 });
		for (const frame of ['a', 'b', 'c', 'd', 'e']) box.push(frame);
		expect(handled).toEqual(['a', 'b', 'c']);
		expect(io).toEqual(['pause']);
		vi.advanceTimersByTime(100);
		expect(handled).toEqual(['a', 'b', 'c', 'd']);
		vi.advanceTimersByTime(1000);
		expect(handled).toEqual(['a', 'b', 'c', 'd', 'e']);
		expect(io.at(-1)).toBe('resume');
		expect(io).not.toContain('overflow');
	});

	it('handles at most FRAMES_PER_TURN frames of one socket per turn, the rest on the next turns, in order', () => {
		const { box, handled, io } = inbox({});
		const frames = Array.from({ length: FRAMES_PER_TURN * 2 + 5 }, (_, i) => `f${i}`);
		for (const frame of frames) box.push(frame);
		expect(handled).toEqual(frames.slice(0, FRAMES_PER_TURN));
		expect(io).toEqual(['pause']);
		vi.runOnlyPendingTimers();
		expect(handled).toEqual(frames.slice(0, FRAMES_PER_TURN * 2));
		vi.runAllTimers();
		expect(handled).toEqual(frames);
		expect(io.at(-1)).toBe('resume');
	});

	it('closes (4429) when more frames wait than it holds, and handles none of them', () => {
		const { box, handled, io } = inbox({ framesPerSecond: 10, frameBurst: 2, waitingFrames: 3 });
		for (let i = 0; i < 100; i++) box.push(`f${i}`);
		expect(handled).toEqual(['f0', 'f1']);
		expect(io.filter((e) => e === 'overflow')).toHaveLength(1);
		vi.advanceTimersByTime(60_000);
		expect(handled).toEqual(['f0', 'f1']);
	});

	it('counts bytes too: a frame larger than the burst passes, then the socket waits until it is paid back', () => {
		const { box, handled } = inbox({ bytesPerSecond: 1000, byteBurst: 100 });
		box.push('x'.repeat(500));
		box.push('y');
		expect(handled).toHaveLength(1);
		vi.advanceTimersByTime(300);
		expect(handled).toHaveLength(1);
		vi.advanceTimersByTime(300);
		expect(handled).toHaveLength(2);
	});
});

describe('repeated sync step 1', () => {
	let dir: string | undefined;
	afterEach(() => {
		if (dir) rmSync(dir, { recursive: true, force: true });
	});

	it('costs the asker the size of each answer, so asking again and again for a large document spends its budget', async () => {
		dir = mkdtempSync(join(tmpdir(), 'roster-budget-'));
		const store = openSqlite(dir);
		try {
			const hub = new SyncHub({ store: asyncAccounts(store.accounts), documents: store.documents });
			const user = { id: 'u1', username: 'user1', email: 'u1@example.com', emailVerified: false, displayName: '' };
			store.accounts.insertUser({ ...user, passwordHash: 'x' }, 0);
			expect(await hub.submitAndWait(user.id, 'create-org', { type: 'org.create', orgId: 'big', name: 'Big' })).toEqual({ ok: true });
			const teams = Array.from({ length: 2000 }, (_, i) => ({
				kind: 'team.put' as const,
				team: { id: `team-${i}`, name: `Team ${i} ${'x'.repeat(40)}`, createdAt: 0 }
			}));
			await hub.applyServerChanges('big', teams);

			const sent: number[] = [];
			const socket = { isOpen: () => true, send: (data: string | Uint8Array) => void sent.push(data.length), close: () => {} };
			const conn = hub.attach(socket, user, 'hash');
			let asks = 0;
			while (conn.budget.ready() && asks < 1000) {
				await hub.receive(conn, step1Frame(orgDocId('big'), new Y.Doc()));
				asks++;
			}
			const answered = sent.slice(1).reduce((a, b) => a + b, 0);
			expect(conn.budget.ready()).toBe(false);
			expect(answered).toBeGreaterThanOrEqual(DEFAULT_LIMITS.byteBurst);
			expect(asks).toBeLessThan(1000);
		} finally {
			store.close();
		}
	});
});

describe('ws receiver', () => {
	it('has the per-message flag server.ts turns off for a socket over its budget (ws pinned at 8.23)', () => {
		// ws exports its receiver, though its types do not say so.
		const { Receiver } = ws as unknown as { Receiver: new () => object };
		const receiver = new Receiver();
		expect(receiver).toHaveProperty('_allowSynchronousEvents', true);
	});
});
