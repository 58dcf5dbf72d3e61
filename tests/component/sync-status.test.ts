import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../src/lib/client/connection.svelte.ts';
import SyncStatus from '../../src/lib/components/shell/SyncStatus.svelte';

function parts(status: ConnectionStatus, pending: number, refused: number) {
	const entries = [
		...Array.from({ length: pending }, () => ({ status: 'pending' })),
		...Array.from({ length: refused }, () => ({ status: 'refused' }))
	];
	return { connection: { status, detail: '' }, outbox: { entries, pendingCount: pending } } as unknown as Parameters<typeof SyncStatus>[1];
}

describe('SyncStatus', () => {
	it.each([
		['online', 0, 0, 'Online'],
		['online', 2, 0, 'Saving · 2 pending'],
		['offline', 3, 0, 'Offline · 3 pending'],
		['offline', 1, 1, 'Offline · 1 pending · 1 refused'],
		['connecting', 0, 0, 'Connecting'],
		['outdated', 1, 0, 'Reload needed · 1 pending']
	] as const)('%s with %i pending and %i refused says “%s”', (status, pending, refused, text) => {
		render(SyncStatus, parts(status, pending, refused));
		expect(screen.getByRole('status').textContent?.replace(/\s+/g, ' ').trim()).toBe(text);
	});
});
