import type { OrgModel } from '$lib/client/org-model.svelte.ts';
import type { RosterSession } from '$lib/client/roster.svelte.ts';
import type { ExpiryTarget, OrgRole, ProjectRole, StoredExpiry } from '$lib/domain/index.ts';

/** What the expiry dialog is given; a row's note (ExpiryNote) passes them on to it. */
export interface ExpiryProps {
	orgId: string;
	target: ExpiryTarget;
	/** What ends, for the title: "bob's membership". */
	who: string;
	expiry: StoredExpiry | undefined;
	/** The role or roles held now: the fall-backs offered are the lesser ones. */
	current?: OrgRole | readonly ProjectRole[];
	session: RosterSession;
	view: OrgModel;
}
