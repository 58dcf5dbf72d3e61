import type { z } from 'zod';
import { MUTATIONS, ORG_ROLES, PROJECT_ROLES, type Mutation } from '../domain/index.ts';

/** One field of a refused change a person may word again: a text, one choice, or several. */
export type EditableField =
	| { key: string; label: string; kind: 'text'; value: string }
	| { key: string; label: string; kind: 'choice'; options: Option[]; value: string }
	| { key: string; label: string; kind: 'choices'; options: Option[]; value: string[] };

interface Option {
	value: string;
	label: string;
}

const ROLE_LABELS: Record<string, string> = Object.fromEntries(
	[...Object.entries(ORG_ROLES), ...Object.entries(PROJECT_ROLES)].map(([role, info]) => [role, info.label])
);

/** The schema under optional, nullable, default and pipe wrappers: what the field holds. */
function bare(schema: z.ZodType): z.ZodType {
	const def = schema._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
	if (def.innerType) return bare(def.innerType);
	if (def.type === 'pipe' && def.in) return bare(def.in);
	return schema;
}

const optionsOf = (schema: z.ZodType): Option[] | undefined => {
	const def = schema._zod.def as { type: string; entries?: Record<string, string> };
	if (def.type !== 'enum' || !def.entries) return undefined;
	return Object.values(def.entries).map((value) => ({ value, label: ROLE_LABELS[value] ?? value }));
};

/** Changes whose fields belong together on their own form: a card, a single sign-on mapping. */
const OWN_FORM = new Set<Mutation['type']>(['card.add', 'sso.configure']);

const labelOf = (key: string) =>
	key[0]!.toUpperCase() +
	key
		.slice(1)
		.replace(/([A-Z])/g, ' $1')
		.toLowerCase();

/**
 * What of a refused change can be worded again, read from its mutation's own schema: names, addresses
 * and roles. Ids are what the change is about (the member, the team), not what it says, so they stay;
 * so do fields of other shapes (dates, secrets, nested settings), which have their own forms.
 */
export function editableFields(mutation: Mutation): EditableField[] {
	// A change of a kind this version does not know (written by an older one) has no form here.
	if (OWN_FORM.has(mutation.type) || !Object.hasOwn(MUTATIONS, mutation.type)) return [];
	const shape = MUTATIONS[mutation.type].schema.shape as Record<string, z.ZodType>;
	return Object.entries(shape).flatMap(([key, field]): EditableField[] => {
		if (key === 'type' || key === 'orgId' || key.endsWith('Id')) return [];
		const value: unknown = (mutation as Record<string, unknown>)[key];
		const schema = bare(field);
		const type = (schema._zod.def as { type: string }).type;
		const label = labelOf(key);
		if (type === 'string' && typeof value === 'string') return [{ key, label, kind: 'text', value }];
		const options = optionsOf(schema);
		if (options && typeof value === 'string') return [{ key, label, kind: 'choice', options, value }];
		if (type === 'array' && Array.isArray(value)) {
			const each = optionsOf(bare((schema._zod.def as unknown as { element: z.ZodType }).element));
			if (each) return [{ key, label, kind: 'choices', options: each, value: value.map(String) }];
		}
		return [];
	});
}

/** The refused change with the fields as worded again: a new change, checked and sent like any other. */
export function reworded(mutation: Mutation, fields: readonly EditableField[]): unknown {
	return { ...mutation, ...Object.fromEntries(fields.map((f) => [f.key, f.value])) };
}
