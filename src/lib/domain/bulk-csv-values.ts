import { ORG_ROLES, PROJECT_ROLES } from './roles.ts';
import { OrgRole, ProjectRole } from './schemas.ts';

/** Roles as people write them in a spreadsheet: the console's label ("Read only"), the code (ORG_READ_ONLY) or the code's tail. */

/** Case, spaces, dashes and underscores aside: "read-only", "Read Only" and "READ_ONLY" are one word. */
const key = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');

function words<R extends string>(codes: readonly R[], labels: Record<R, { label: string }>, prefix: string): Map<string, R> {
	const byKey = new Map<string, R>();
	for (const code of codes) {
		for (const word of [code, code.slice(prefix.length), labels[code].label]) byKey.set(key(word), code);
	}
	return byKey;
}

const ORG_WORDS = words(OrgRole.options, ORG_ROLES, 'ORG_');
const PROJECT_WORDS = words(ProjectRole.options, PROJECT_ROLES, 'PROJECT_');

/** The words a refusal suggests. */
export const ROLE_WORDS = {
	org: OrgRole.options.map((r) => ORG_ROLES[r].label).join(', '),
	project: ProjectRole.options.map((r) => PROJECT_ROLES[r].label).join(', ')
};

export function orgRoleOf(text: string): OrgRole | undefined {
	return ORG_WORDS.get(key(text));
}

/** Project roles joined by "+" ("Owner+Cluster Manager"), in the schema's order; undefined if one is unknown or none is given. */
export function projectRolesOf(text: string): ProjectRole[] | undefined {
	const roles = text.split('+').map((word) => PROJECT_WORDS.get(key(word)));
	if (!roles.length || roles.some((r) => !r)) return undefined;
	return ProjectRole.options.filter((r) => roles.includes(r));
}
