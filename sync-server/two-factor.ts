import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { tokenHash } from './auth.ts';

/** RFC 6238 with the parameters every authenticator app reads: SHA-1, 6 digits, 30 seconds. */
function totp(secret: string, username = '') {
	return new TOTP({ issuer: 'Roster', label: username, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });
}

export function newTotpSecret(): string {
	return new Secret({ size: 20 }).base32;
}

/** What an authenticator app scans, as the otpauth:// URI and a QR code image (an SVG data URL). */
export async function enrolment(secret: string, username: string) {
	const uri = totp(secret, username).toString();
	const svg = await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
	return { secret, uri, qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
}

/** The time step a code belongs to (one step of clock drift either way), or undefined when it is wrong. */
export function totpStep(secret: string, code: string, now: number): number | undefined {
	if (!/^\d{6}$/.test(code)) return undefined;
	const t = totp(secret);
	const delta = t.validate({ token: code, timestamp: now, window: 1 });
	return delta === null ? undefined : t.counter({ timestamp: now }) + delta;
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten single-use codes like `k7m2p-x9qr4`: shown once, kept only as keyed hashes. */
export function newRecoveryCodes(): string[] {
	return Array.from({ length: 10 }, () => {
		const chars = [...randomBytes(10)].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
		return `${chars.slice(0, 5)}-${chars.slice(5)}`;
	});
}

/** A code's digest, compared without case, spaces or the dash, however it was typed; the store keys it (secret-key.ts). */
export function recoveryHash(code: string): string {
	return tokenHash(code.toLowerCase().replace(/[\s-]/g, ''));
}
