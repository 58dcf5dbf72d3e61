import type { OrgModel } from '$lib/client/org-model.svelte.ts';
import type { Mutation } from '$lib/domain/index.ts';

/** Whether a change of this kind waits to be sent or answered: what the panel shows is not saved yet. */
export function waiting(view: OrgModel, match: (m: Mutation) => boolean): boolean {
	return view.entries.some((e) => e.status === 'pending' && match(e.mutation));
}
