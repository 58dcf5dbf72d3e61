import { dictionary } from '@zxcvbn-ts/language-common';
import { passwordListKey, weakPassword } from '$lib/domain/index.ts';
import { HttpError } from './http/types.ts';

/** zxcvbn-ts' ~49,000 most common passwords of leaked password sets: kept by the server only, too big for the app. */
const COMMON = new Set(dictionary['passwords-common'].map(passwordListKey));

/** A new password on the list is refused (400 WEAK_PASSWORD) with the domain's sentence. */
export function refuseWeakPassword(password: string) {
	const why = weakPassword(password, (key) => COMMON.has(key));
	if (why) throw new HttpError(400, 'WEAK_PASSWORD', why);
}
