import { previewMutations, type Mutation, type Preview } from '../domain/index.ts';
import type { Confirmation } from '../components/shell/InlineEdit.svelte';
import type { OrgModel } from './org-model.svelte.ts';

/**
 * Who would gain and who would lose what if these changes were saved (the domain's preview), against
 * what this browser holds: the synced state with this organization's pending changes on top.
 */
export function previewChange(model: OrgModel, actorId: string, ...mutations: Mutation[]): Preview {
	const now = Date.now();
	return previewMutations(model.overlay, { actorId, now, steppedUpAt: now }, mutations);
}

/** The pending panel's batch as a whole, checked in order over the synced state alone (none of it is there yet). */
export function previewQueued(model: OrgModel, actorId: string, mutations: readonly Mutation[]): Preview {
	const now = Date.now();
	return previewMutations(model.overlay.base, { actorId, now, steppedUpAt: now }, mutations);
}

/** A confirmation that also shows what the change does to whose access. */
export function withPreview(confirmation: Confirmation | undefined, model: OrgModel, actorId: string, mutation: Mutation) {
	return confirmation && { ...confirmation, preview: previewChange(model, actorId, mutation) };
}
