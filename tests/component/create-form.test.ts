import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { TeamName } from '$lib/domain/index.ts';
import CreateForm from '$lib/components/shell/CreateForm.svelte';

describe('CreateForm', () => {
	it('keeps a next name typed while the last one waits for its answer, and clears the one that went', async () => {
		let answer: (a: { status: 'accepted' }) => void = () => {};
		const ask = vi.fn(() => new Promise((resolve) => (answer = resolve)));
		render(CreateForm, {
			noun: 'team',
			schema: TeamName,
			session: { ask } as never,
			mutation: (name: string) => ({ type: 'team.create', orgId: 'acme', teamId: 't1', name })
		});
		const field = screen.getByRole('textbox', { name: /Team name/ });
		await fireEvent.input(field, { target: { value: 'Ops' } });
		await fireEvent.submit(field.closest('form')!);
		await vi.waitFor(() => expect(ask).toHaveBeenCalledTimes(1));
		// The person types the next team's name while Ops waits for the server.
		await fireEvent.input(field, { target: { value: 'Dev' } });
		answer({ status: 'accepted' });
		// The answer is handled in a later task.
		await new Promise((r) => setTimeout(r, 0));
		expect((field as HTMLInputElement).value).toBe('Dev');
		await fireEvent.submit(field.closest('form')!);
		await vi.waitFor(() => expect(ask).toHaveBeenCalledTimes(2));
		answer({ status: 'accepted' });
		await vi.waitFor(() => expect((field as HTMLInputElement).value).toBe(''));
	});
});
