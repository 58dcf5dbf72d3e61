import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { RosterSession } from '../../src/lib/client/roster.svelte.ts';
import SyncStatus from '../../src/lib/components/shell/SyncStatus.svelte';

function sessionLike(status: RosterSession['status'], pending: number, refused: number): RosterSession {
	const outbox = [
		...Array.from({ length: pending }, () => ({ status: 'pending' })),
		...Array.from({ length: refused }, () => ({ status: 'refused' }))
	];
	return { status, statusDetail: '', outbox, pendingCount: pending } as unknown as RosterSession;
}

describe('SyncStatus', () => {
	it.each([
		['online', 0, 0, 'Online'],
		['online', 2, 0, 'Saving · 2 pending'],
		['offline', 3, 0, 'Offline · 3 pending'],
		['offline', 1, 1, 'Offline · 1 pending · 1 refused'],
		['connecting', 0, 0, 'Connecting']
	] as const)('%s with %i pending and %i refused says “%s”', (status, pending, refused, text) => {
		render(SyncStatus, { session: sessionLike(status, pending, refused) });
		expect(screen.getByRole('status').textContent?.replace(/\s+/g, ' ').trim()).toBe(text);
	});
});
