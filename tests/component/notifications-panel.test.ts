import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import NotificationsPanel from '../../src/lib/components/settings/NotificationsPanel.svelte';

describe('NotificationsPanel', () => {
	it('says a refused webhook even when the edit was cancelled while waiting for the answer', async () => {
		let answer!: (a: unknown) => void;
		const session = { ask: vi.fn(() => new Promise((resolve) => (answer = resolve))), discard: vi.fn(async () => {}) };
		const view = {
			org: { notifications: { email: null, webhook: null } },
			entries: [],
			may: () => true,
			mayUse: () => false,
			precheck: () => undefined
		};
		render(NotificationsPanel, { session: session as never, orgId: 'acme', view: view as never });
		await fireEvent.click(screen.getByRole('button', { name: 'Edit channels' }));
		await fireEvent.input(screen.getByLabelText(/^Webhook URL/), { target: { value: 'https://intranet.example/hook' } });
		await fireEvent.click(screen.getByRole('button', { name: 'Save channels' }));
		await vi.waitFor(() => expect(session.ask).toHaveBeenCalledTimes(1));
		// The person leaves the edit before the server answers.
		await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
		const message =
			'Roster does not post alerts to private or local addresses (intranet.example is at one): use an address reachable from the internet.';
		answer({ status: 'refused', id: 'm1', code: 'WEBHOOK_PRIVATE_ADDRESS', message });
		await vi.waitFor(() => expect(session.discard).toHaveBeenCalledWith('m1'));
		expect(await screen.findByRole('alert')).toHaveProperty('textContent', message);
	});
});
