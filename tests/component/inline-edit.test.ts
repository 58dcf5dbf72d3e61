import { fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import Harness from './InlineEditHarness.svelte';

describe('InlineEdit', () => {
	it('sends one change while one is being saved, however often Enter is pressed on its select', async () => {
		// The server's answer has not come yet.
		const ask = vi.fn(() => new Promise<never>(() => {}));
		render(Harness, { session: { ask } as never, view: { precheck: () => undefined } as never });
		await fireEvent.click(screen.getByRole('button', { name: 'Edit role of bob' }));
		const select = screen.getByRole('combobox', { name: 'Role' });
		await fireEvent.change(select, { target: { value: 'owner' } });
		await fireEvent.keyDown(select, { key: 'Enter' });
		await tick();
		await vi.waitFor(() => expect(ask).toHaveBeenCalledTimes(1));
		await fireEvent.keyDown(select, { key: 'Enter' });
		await tick();
		expect(ask).toHaveBeenCalledTimes(1);
	});
});
