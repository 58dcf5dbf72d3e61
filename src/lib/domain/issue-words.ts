import { z } from 'zod';

/** Fields people type into, by their key in a schema; any other key is spelled out from its camelCase. */
const FIELD_WORDS: Record<string, string> = {
	expMonth: 'The expiry month',
	expYear: 'The expiry year',
	cvc: 'The security code',
	number: 'The card number',
	holder: 'The card holder',
	email: 'The email address',
	billingEmail: 'The billing email',
	username: 'The username',
	password: 'The password',
	displayName: 'The display name',
	name: 'The name',
	code: 'The code',
	then: 'The fall-back after the expiry (an organization role, or project roles)',
	at: 'The moment'
};

function fieldWords(path: readonly PropertyKey[] | undefined): string {
	const key = [...(path ?? [])].reverse().find((k): k is string => typeof k === 'string');
	if (!key) return 'This value';
	return FIELD_WORDS[key] ?? `The ${key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}`;
}

type Issue = Parameters<z.core.$ZodErrorMap>[0];

/**
 * Zod's default messages ("Too small: expected number to be >=2000") are for developers. Every
 * issue a schema does not word itself is worded here, as a sentence naming the field, so that no
 * raw validation text reaches a person, whichever form or route it comes from.
 */
export function issueWords(issue: Issue): string {
	const what = fieldWords(issue.path);
	switch (issue.code) {
		case 'too_small':
			if (issue.origin === 'string')
				return Number(issue.minimum) <= 1 ? `${what} is required.` : `${what} needs at least ${issue.minimum} characters.`;
			if (issue.origin === 'array' || issue.origin === 'set') return `${what} needs at least ${issue.minimum} entries.`;
			return `${what} must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}.`;
		case 'too_big':
			if (issue.origin === 'string') return `${what} is at most ${issue.maximum} characters.`;
			if (issue.origin === 'array' || issue.origin === 'set') return `${what} holds at most ${issue.maximum} entries.`;
			return `${what} must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}.`;
		case 'invalid_type':
			if (issue.input === undefined) return `${what} is required.`;
			return issue.expected === 'number' || issue.expected === 'int'
				? `${what} must be a number.`
				: `${what} is not in a form Roster reads.`;
		case 'invalid_format':
			return issue.format === 'email' ? `${what} must look like name@example.com.` : `${what} is not in the expected form.`;
		case 'invalid_value':
			return issue.values.length <= 6
				? `${what} must be one of: ${issue.values.map(String).join(', ')}.`
				: `${what} is not one of the choices.`;
		case 'not_multiple_of':
			return `${what} must be a multiple of ${String(issue.divisor)}.`;
		case 'invalid_union':
			return `${what} is not in a form Roster reads.`;
		case 'unrecognized_keys':
			return `Unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.slice(0, 5).join(', ')}.`;
		default:
			return `${what} is not valid.`;
	}
}

/** Every refusal of a schema, as one line of sentences (the schemas' own messages, or the words above). */
export function issueSentences(error: z.ZodError): string {
	return error.issues.map((i) => (/[.!?]$/.test(i.message) ? i.message : `${i.message}.`)).join(' ');
}

// Schemas' own messages still win; this replaces only zod's defaults, in the browser and the server alike.
z.config({ customError: issueWords });
