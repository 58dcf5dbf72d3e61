import { z } from 'zod';

/**
 * OWASP ASVS 4.0.3 §2.1: at least 12 characters (a run of spaces counts as one), at most
 * 128, any Unicode (compared in NFC, so the same text typed on any system is the same
 * password), no rules about which kinds of characters; common and breached passwords refused.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/** Characters, not UTF-16 units, so an emoji counts once; runs of spaces count once (ASVS 2.1.1). */
export function passwordLength(password: string): number {
	return [...password.normalize('NFC').replace(/ {2,}/g, ' ')].length;
}

/** A new password: normalized to NFC, 12–128 characters. Whether it is common is `weakPassword`'s question. */
export const Password = z
	.string({ error: 'Enter a password' })
	.normalize('NFC')
	// A lone surrogate is no character: UTF-8 turns every one into U+FFFD, so two such passwords would hash alike.
	.refine((p) => !/\p{Cs}/u.test(p), 'A password cannot hold a broken character (a lone surrogate)')
	.refine((p) => passwordLength(p) >= PASSWORD_MIN_LENGTH, `A password has at least ${PASSWORD_MIN_LENGTH} characters`)
	.refine((p) => passwordLength(p) <= PASSWORD_MAX_LENGTH, `A password has at most ${PASSWORD_MAX_LENGTH} characters`);

/** How a password is looked up in a list of common ones: NFC, lower case. */
export const passwordListKey = (password: string) => password.normalize('NFC').toLowerCase();

/**
 * Why a new password is refused beyond its length, or undefined when it is fine: it is on a
 * list of common and breached passwords (attackers try those first). The list is the
 * server's — too big for the app — so the app shows the server's refusal at the field.
 */
export function weakPassword(password: string, isCommon: (key: string) => boolean): string | undefined {
	if (isCommon(passwordListKey(password))) {
		return 'That password is on a list of common and breached passwords that attackers try first: choose another, such as a few unrelated words.';
	}
	return undefined;
}
