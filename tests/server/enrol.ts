import { Secret, TOTP } from 'otpauth';
import { PASSWORD, post } from './test-client.ts';

/** The authenticator code for `secret` at the server's time `now`. */
export const totpCode = (secret: string, now: number) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: now });

/** Turns two-factor on for a signed-in user (setup, then a code and the password); the key and the recovery codes shown once. */
export async function enrol(base: string, cookie: string, now: number) {
	const setup = await post(base, '/api/me/two-factor/setup', {}, { cookie });
	const { secret } = (await setup.json()) as { secret: string };
	const res = await post(base, '/api/me/two-factor/enable', { code: totpCode(secret, now), password: PASSWORD }, { cookie });
	if (res.status !== 200) throw new Error(`enrol: ${res.status} ${await res.text()}`);
	const { recoveryCodes } = (await res.json()) as { recoveryCodes: string[] };
	return { secret, recoveryCodes };
}
