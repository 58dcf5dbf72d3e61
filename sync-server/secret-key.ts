import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The server's secret, beside the store and never inside it: back it up with the store (README). */
export const KEY_FILE = 'secret.key';

/** Every value written with the key starts so; older rows (plaintext secrets, unkeyed code hashes) never do. */
const V1 = 'v1$';

function subkey(master: Buffer, purpose: string): Buffer {
	return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `roster ${purpose}`, 32));
}

/**
 * ASVS 6.4: TOTP secrets sealed with AES-256-GCM (the user's id as associated data, so a
 * sealed secret copied onto another user's row does not open), and recovery-code hashes
 * keyed with HMAC-SHA256: a copy of the store without the key file reveals neither.
 */
export class SecretKey {
	private readonly sealing: Buffer;
	private readonly codes: Buffer;
	private readonly master: Buffer;

	constructor(master: Buffer) {
		if (master.length !== 32) throw new Error(`${KEY_FILE} must hold 32 bytes; it holds ${master.length}.`);
		this.sealing = subkey(master, 'totp secret');
		this.codes = subkey(master, 'recovery code');
		this.master = master;
	}

	/** The key file in `dir`, or a new one (32 random bytes, readable by this user only) when `create` allows. */
	static load(dir: string, create: () => boolean): SecretKey {
		const file = join(dir, KEY_FILE);
		if (!existsSync(file)) {
			if (!create()) {
				throw new Error(
					`${file} is missing, but this store holds two-factor secrets sealed with it: restore the key file from the backup it was taken with (see README, "Backups").`
				);
			}
			writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
		} else if (statSync(file).mode & 0o077) {
			console.warn(`${file} can be read by other users of this machine: chmod 600 it.`);
		}
		return new SecretKey(readFileSync(file));
	}

	static isKeyed(value: string): boolean {
		return value.startsWith(V1);
	}

	seal(userId: string, secret: string): string {
		const iv = randomBytes(12);
		const cipher = createCipheriv('aes-256-gcm', this.sealing, iv).setAAD(Buffer.from(userId));
		const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
		return V1 + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
	}

	/** The secret, or undefined when it was sealed with another key or for another user. */
	open(userId: string, sealed: string): string | undefined {
		if (!SecretKey.isKeyed(sealed)) return undefined;
		const bytes = Buffer.from(sealed.slice(V1.length), 'base64url');
		try {
			const decipher = createDecipheriv('aes-256-gcm', this.sealing, bytes.subarray(0, 12)).setAAD(Buffer.from(userId));
			decipher.setAuthTag(bytes.subarray(12, 28));
			return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
		} catch {
			return undefined;
		}
	}

	/** A recovery code's digest (two-factor.ts) keyed with the server's secret: what the store keeps and compares. */
	codeHash(digest: string): string {
		return V1 + createHmac('sha256', this.codes).update(digest).digest('base64url');
	}

	/** A MAC of `data` with a key for `purpose` only (e.g. single sign-on cookies): every server sharing the key file makes the same one. */
	mac(purpose: string, data: string): Buffer {
		return createHmac('sha256', subkey(this.master, purpose)).update(data).digest();
	}
}
