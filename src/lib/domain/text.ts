import { z } from 'zod';

/**
 * Characters no name may hold: controls (Cc), lone surrogates (Cs, not text at all), line
 * and paragraph separators, and invisible formatting (Cf: bidi overrides and isolates such
 * as U+202E and U+2066–2069, zero-width space U+200B, U+FEFF, soft hyphen, …), which make two
 * names look alike or turn the text around them. The zero-width joiners U+200C and U+200D
 * stay: Persian, Indic scripts and emoji need them; names are compared without them (nameKey).
 */
const UNSAFE = /(?![\u200C\u200D])[\p{Cc}\p{Cs}\p{Cf}\p{Zl}\p{Zp}]/u;

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * The building block of every name a person types (organization, team, project, deployment,
 * display name, card holder, billing details): trimmed, NFC-normalized, so that "é" typed
 * precomposed or as "e" + U+0301 is one and the same name, at most `max` UTF-16 units, and
 * free of the characters above. `what` starts the refusal sentences ("A team name").
 */
export function humanText(what: string, max: number, { required = true } = {}) {
	const text = z
		.string({ error: `${what} must be text` })
		.trim()
		.normalize('NFC');
	return (required ? text.min(1, `${what} is required`) : text)
		.max(max, `${what} is at most ${max} characters`)
		.refine((s) => !UNSAFE.test(s), {
			error: (issue) =>
				`${what} cannot hold ${codePoint(UNSAFE.exec(String(issue.input))?.[0] ?? '\0')} (a control or invisible formatting character)`
		});
}

/**
 * How names are compared for uniqueness: NFC, case-insensitive, without what a page does not
 * show (default-ignorable code points: the zero-width joiners, variation selectors, Hangul
 * fillers, …), and with every run of white space (a no-break or ideographic space too) as one
 * space, as HTML shows it. Normalizes again so that names stored before names were normalized
 * compare the same way.
 */
export function nameKey(name: string): string {
	return name
		.replace(/\p{Default_Ignorable_Code_Point}/gu, '')
		.normalize('NFC')
		.replace(/\s+/gu, ' ')
		.trim()
		.toLowerCase();
}

/** Names the fields a strict schema refused ("Unknown field “foo”"), shortened and without line breaks. */
export function unknownFields(error: z.ZodError): string | undefined {
	const keys = error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : []));
	if (!keys.length) return undefined;
	const shown = keys.slice(0, 5).map((k) => `“${k.slice(0, 40).replace(/[\p{Cc}\p{Cs}\p{Cf}\p{Zl}\p{Zp}]/gu, '?')}”`);
	return `Unknown field${keys.length > 1 ? 's' : ''} ${shown.join(', ')}${keys.length > 5 ? ', …' : ''}`;
}
